/**
 * Entry point of the engine `utilityProcess`: receives requests from the main process on its parent
 * port, dispatches them to an in-process Engine (which validates them again) and posts the replies.
 */
import { Engine } from '../../analysis/engine/engine';
import { dispatch } from '../../analysis/engine/protocol';

const engine = new Engine();
const port = process.parentPort;

port.on('message', async (e: { data: unknown }) => {
  port.postMessage(await dispatch(engine, e.data));
});
