#!/usr/bin/env node
// The `vlcache` command. The CLI is TypeScript run through tsx's loader, so the same sources serve
// the app, the tests and the command line without a separate build step.
import { register } from 'tsx/esm/api';

register();
await import('../analysis/cli/main.ts');
