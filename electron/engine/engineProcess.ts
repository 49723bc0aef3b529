/**
 * Entry point of the engine `utilityProcess`: receives requests from the main process on its parent
 * port, dispatches them to an in-process Engine (which validates them again) and posts the replies.
 */
import { analysisBackend } from '../../analysis/engine/analysisBackendDefault';
import { Engine } from '../../analysis/engine/engine';
import { dispatch } from '../../analysis/engine/protocol';

const port = process.parentPort;
const engine = new Engine({
  emit: (event, payload) => port.postMessage({ event, payload }),
  analysis: analysisBackend(),
});

port.on('message', async (e: { data: unknown }) => {
  port.postMessage(await dispatch(engine, e.data));
});
