/**
 * Failures of an eval sweep (STYLE rule 11), each a class with a stable `code` and `details`. Bad
 * items are not errors: they are reported per item and skipped (see `evalSet.ts`); these are the
 * failures that stop a sweep.
 */
import { VlcacheError } from '../engine/errors';

/** The eval set folder or its `items.jsonl` cannot be read at all. */
export class EvalSetError extends VlcacheError {
  constructor(dir: string, reason: string) {
    super('eval-set', `cannot read the eval set ${dir}: ${reason}`, { dir, reason });
  }
}

/**
 * An existing results file (or its journal) was made with other settings, so its items cannot be
 * reused; `details.differences` names every setting that differs.
 */
export class ResultsMismatchError extends VlcacheError {
  constructor(path: string, differences: string[]) {
    super(
      'results-mismatch',
      `${path} holds results made with other settings (${differences.join('; ')}); choose another --out or delete it`,
      { path, differences },
    );
  }
}

/** A results file or journal that is not what a sweep writes. */
export class ResultsFormatError extends VlcacheError {
  constructor(path: string, reason: string) {
    super('results-format', `${path} is not an eval results file: ${reason}`, { path, reason });
  }
}

/** The sweep was cancelled; what was finished is in the journal and a rerun continues from there. */
export class SweepCancelledError extends VlcacheError {
  constructor(done: number, total: number, journal: string) {
    super(
      'cancelled',
      `eval cancelled after ${done} of ${total} items; their results are kept in ${journal}, run the same command again to continue`,
      { done, total, journal },
    );
  }
}

/** A worker thread died or reported a failure that is not about one item (the model did not load, …). */
export class EvalWorkerError extends VlcacheError {
  constructor(message: string, details?: unknown) {
    super('eval-worker', message, details);
  }
}
