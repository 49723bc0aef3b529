/**
 * Failures of the policy layer (STYLE rule 11): each a class named for what went wrong, with a
 * stable `code` and structured `details`. They extend the engine's `VlcacheError` (a pure module)
 * so that they cross the worker, IPC and WebSocket boundaries as `{ name, code, message, details }`.
 */
import { VlcacheError } from '../engine/errors';

/**
 * The prompt has no text after its image (τ = m − v = 0, or no image at all), so post-vision
 * statistics do not exist (ALGORITHMS §0). Raised by the `postVision` scorer and the
 * `sparsityAware` allocator instead of returning NaN.
 */
export class EmptyPostVisionError extends VlcacheError {
  constructor(
    readonly user: string,
    m: number,
    postVisionStart: number,
  ) {
    super(
      'empty-post-vision',
      `${user} needs text after the image, but the prompt has none (post-vision rows [${postVisionStart}, ${m}))`,
      { user, m, postVisionStart },
    );
  }
}

/** A policy or composition that cannot run; `details.problems` lists every problem at once. */
export class InvalidPolicyError extends VlcacheError {
  constructor(
    readonly policy: string,
    readonly problems: string[],
  ) {
    super('invalid-policy', `invalid policy ${policy}: ${problems.join('; ')}`, { policy, problems });
  }
}

/** A budget that is not a whole number of basis points in [0, 10000] or of tokens ≥ 0. */
export class InvalidBudgetError extends VlcacheError {
  constructor(message: string, budget: unknown) {
    super('invalid-budget', message, { budget });
  }
}

/** An analysis parameter out of range (threshold edge index, window fraction, sinks, …). */
export class InvalidParamsError extends VlcacheError {
  constructor(
    readonly param: string,
    value: unknown,
    expected: string,
  ) {
    super('invalid-params', `invalid ${param}: ${String(value)} (expected ${expected})`, {
      param,
      value,
      expected,
    });
  }
}

/**
 * A `window` scorer needs the unpooled observation-window sums for a w that the Stats do not hold
 * (only w ∈ WINDOW_SIZES are precomputed); the engine computes them from queries/keys on demand.
 */
export class MissingWindowSumsError extends VlcacheError {
  constructor(readonly w: number) {
    super('missing-window-sums', `no observation-window sums for w = ${w}`, { w });
  }
}

/** A Stats tensor whose length does not match the dims. */
export class StatsShapeError extends VlcacheError {
  constructor(field: string, expected: number, actual: number) {
    super('stats-shape', `stats.${field} has ${actual} values, expected ${expected}`, {
      field,
      expected,
      actual,
    });
  }
}

/**
 * An allocation whose integer total cannot be reached within the per-layer bounds. It signals a
 * broken invariant (valid budgets always fit), so it carries the numbers needed to reproduce it.
 */
export class AllocationError extends VlcacheError {
  constructor(message: string, details: unknown) {
    super('allocation-infeasible', message, details);
  }
}
