/**
 * Entry point of the engine `utilityProcess`: receives requests from the main process on its parent
 * port, dispatches them to an in-process Engine (which validates them again) and posts the replies.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { analysisBackend } from '../../analysis/engine/analysisBackendDefault';
import { appRoot } from '../../analysis/engine/appRoot';
import { Engine } from '../../analysis/engine/engine';
import { dispatch } from '../../analysis/engine/protocol';

const port = process.parentPort;
const engine = new Engine({
  emit: (event, payload) => port.postMessage({ event, payload }),
  analysis: analysisBackend(),
  // This file is bundled into out/main; eval workers run from the sources, as the CLI's do (tsx).
  evalWorkerUrl: pathToFileURL(join(appRoot(), 'analysis', 'eval', 'evalWorkerEntry.mjs')),
});

port.on('message', async (e: { data: unknown }) => {
  port.postMessage(await dispatch(engine, e.data));
});
