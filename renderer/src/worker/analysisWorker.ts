/**
 * The analysis worker's entry: every message goes through the handler, every reply goes back with its
 * result buffers in the transfer list. Runs the analysis core unchanged, off the main thread.
 */
import { createAnalysisHandler } from './analysisHandler';
import { replyTransferables, type WorkerRequest } from './protocol';

const handle = createAnalysisHandler();
const scope = self as unknown as {
  onmessage: ((ev: MessageEvent<WorkerRequest>) => void) | null;
  postMessage(message: unknown, transfer: Transferable[]): void;
};

scope.onmessage = (ev) => {
  const reply = handle(ev.data);
  scope.postMessage(reply, replyTransferables(reply));
};
