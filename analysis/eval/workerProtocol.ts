/**
 * Messages between the sweep (main thread) and its eval workers (worker_threads), tagged by `type`.
 * A worker loads its own model and Engine once (`workerData: WorkerInit`), says `ready`, then takes
 * one item at a time. Errors travel as name, code and message (STYLE rule 9 and 11).
 */
import type { SerializedError } from '../engine/errors';
import type { ProviderChoice, ProviderId } from '../model/providers';
import type { EvalItem } from './evalSet';
import type { EvalItemResult, SweepSettings } from './results';

export interface WorkerInit {
  modelDir: string;
  provider: ProviderChoice;
  settings: SweepSettings;
  /** onnxruntime intra-op threads per session: the cores shared out between the workers. */
  intraOpThreads: number;
}

/** `stop`: cancel the current item (if any), release the model and end the thread. */
export type ToWorker = { type: 'item'; item: EvalItem } | { type: 'stop' };

export type FromWorker =
  | { type: 'ready'; provider: ProviderId; onnxruntime: string }
  | { type: 'progress'; line: number; fraction: number }
  | { type: 'result'; result: EvalItemResult }
  /** The item could not be run (bad input): recorded as failed, the sweep goes on. */
  | { type: 'itemFailed'; line: number; error: SerializedError }
  /** Something that is not about one item (the model did not load, an internal error): the sweep stops. */
  | { type: 'fatal'; error: SerializedError & { stack?: string } };
