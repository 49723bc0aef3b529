// Entry of an eval worker thread: installs tsx's loader in this thread (loaders are per thread), then
// runs the TypeScript worker, so workers run from the same sources as the CLI and the tests.
import { register } from 'tsx/esm/api';

register();
await import('./evalWorker.ts');
