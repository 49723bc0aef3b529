/**
 * Errors of the attention statistics (STYLE rule 11): one class per failure, a stable `code` and
 * structured `details`, so they travel across processes as `{ name, code, message, details }` like the
 * engine's own errors. Shared by every file under `analysis/attention` (and the probe runner).
 */
import { VlcacheError } from '../engine/errors';

export class AttentionError extends VlcacheError {}

/** A tensor whose length or shape is not the one the dims say; `details` gives expected and actual. */
export class ShapeError extends AttentionError {
  constructor(what: string, expected: Dims, actual: Dims) {
    super('shape', `bad shape for ${what}: expected ${fmt(expected)}, got ${fmt(actual)}`, {
      what,
      expected,
      actual,
    });
  }
}

/** Dims or a prompt layout that cannot describe a recording (m < 1, G < 1, H not a multiple of Hkv, …). */
export class InvalidLayoutError extends AttentionError {
  constructor(message: string, details?: unknown) {
    super('invalid-layout', message, details);
  }
}

/**
 * A statistic asked of a row set with no rows (post-vision with τ = 0, ALGORITHMS §0). Policies turn
 * this into their own `EmptyPostVisionError`; nothing here returns NaN instead.
 */
export class EmptyRowSetError extends AttentionError {
  constructor(rowSet: string, layer?: number, head?: number) {
    super('empty-row-set', `row set ${rowSet} is empty`, { rowSet, layer, head });
  }
}

/** A threshold p that is not a positive finite number, or an edge index outside 0..160. */
export class InvalidThresholdError extends AttentionError {
  constructor(message: string, value: number) {
    super('invalid-threshold', message, { value });
  }
}

/** A tile or row range that is empty or reaches outside the attention matrix. */
export class InvalidRangeError extends AttentionError {
  constructor(what: string, range: readonly [number, number], size: number) {
    super('invalid-range', `bad ${what} range [${range[0]}, ${range[1]}) for size ${size}`, {
      what,
      range,
      size,
    });
  }
}

/** A shape (symbolic dims allowed, e.g. 'n') or a flat length. */
type Dims = readonly (number | string)[] | number;

function fmt(v: Dims): string {
  return Array.isArray(v) ? `[${v.join(', ')}]` : String(v);
}
