/**
 * Scorer specifications as plain values (saved in sessions), their validation, resolution to full
 * parameters, and dispatch to the one score function of each scorer file (ALGORITHMS §3). Adding a
 * scorer: its file, a member of `ScorerSpec`, a case in `computeScores`, a registry row if it is a
 * preset.
 */
import type { Stats } from '../../attention/stats';
import type { Granularity } from '../granularity';
import { accumulatedScore } from './accumulated';
import { keyNormScore } from './keyNorm';
import { lastQueryScore } from './lastQuery';
import { normalizedScore } from './normalized';
import { POSITION_DEFAULTS, type PositionParams, positionScore } from './position';
import { postVisionScore } from './postVision';
import { RANDOM_DEFAULTS, type RandomParams, randomScore } from './random';
import { observationWindow, WINDOW_DEFAULTS, type WindowParams, windowScore } from './window';

/**
 * A scorer as the user composes it. Omitted parameters take the scorer's defaults; `window.w` may be
 * `'allocator'` (PyramidKV: the observation window is the allocator's budget-dependent w) and
 * `position.nSink` defaults to the analysis's nSink.
 */
export type ScorerSpec =
  | { id: 'postVision' }
  | { id: 'accumulated' }
  | { id: 'normalized' }
  | { id: 'window'; w?: number | 'allocator'; k?: number; pool?: 'avg' | 'max' }
  | { id: 'lastQuery' }
  | { id: 'keyNorm' }
  | { id: 'random'; seed?: number }
  | { id: 'position'; nSink?: number };

export type ScorerId = ScorerSpec['id'];

export const SCORER_IDS: readonly ScorerId[] = [
  'postVision',
  'accumulated',
  'normalized',
  'window',
  'lastQuery',
  'keyNorm',
  'random',
  'position',
];

/** A scorer with every parameter fixed to a number: what scores and rankings are keyed by. */
export type ResolvedScorer =
  | { id: 'postVision' | 'accumulated' | 'normalized' | 'lastQuery' | 'keyNorm' }
  | ({ id: 'window' } & WindowParams)
  | ({ id: 'random' } & RandomParams)
  | ({ id: 'position' } & PositionParams);

/** What a spec's open parameters resolve against. */
export interface ScorerContext {
  /** The analysis's attention-sink count (position scorer default). */
  nSink: number;
  /** The allocator's window w (PyramidKV), or null when the allocator has none. */
  allocatorWindow: number | null;
}

const isCount = (x: unknown, min: number) => typeof x === 'number' && Number.isInteger(x) && x >= min;

/** Every problem with a scorer spec (empty when valid); the context-dependent ones are checked later. */
export function scorerProblems(spec: ScorerSpec): string[] {
  const p: string[] = [];
  if (!SCORER_IDS.includes(spec?.id)) return [`unknown scorer: ${String(spec?.id)}`];
  if (spec.id === 'window') {
    if (spec.w !== undefined && spec.w !== 'allocator' && !isCount(spec.w, 1))
      p.push(`invalid window w: ${spec.w} (a whole number ≥ 1 or 'allocator')`);
    if (spec.k !== undefined && !(isCount(spec.k, 1) && spec.k % 2 === 1))
      p.push(`invalid pooling kernel: ${spec.k} (odd, ≥ 1)`);
    if (spec.pool !== undefined && spec.pool !== 'avg' && spec.pool !== 'max')
      p.push(`invalid pooling: ${String(spec.pool)} (avg or max)`);
  }
  if (spec.id === 'random' && spec.seed !== undefined && !(isCount(spec.seed, 0) && spec.seed <= 0xffffffff))
    p.push(`invalid seed: ${spec.seed} (an unsigned 32-bit integer)`);
  if (spec.id === 'position' && spec.nSink !== undefined && !isCount(spec.nSink, 0))
    p.push(`invalid nSink: ${spec.nSink} (a whole number ≥ 0)`);
  return p;
}

export function resolveScorer(spec: ScorerSpec, ctx: ScorerContext): ResolvedScorer {
  switch (spec.id) {
    case 'window': {
      const w = spec.w ?? WINDOW_DEFAULTS.w;
      return {
        id: 'window',
        // Validation guarantees an allocator window exists whenever w = 'allocator'.
        w: w === 'allocator' ? (ctx.allocatorWindow ?? WINDOW_DEFAULTS.w) : w,
        k: spec.k ?? WINDOW_DEFAULTS.k,
        pool: spec.pool ?? WINDOW_DEFAULTS.pool,
      };
    }
    case 'random':
      return { id: 'random', seed: spec.seed ?? RANDOM_DEFAULTS.seed };
    case 'position':
      return { id: 'position', nSink: spec.nSink ?? ctx.nSink ?? POSITION_DEFAULTS.nSink };
    default:
      return { id: spec.id };
  }
}

/** Stable cache key of a resolved scorer. */
export function scorerKey(s: ResolvedScorer): string {
  switch (s.id) {
    case 'window':
      return `window:${s.w}:${s.k}:${s.pool}`;
    case 'random':
      return `random:${s.seed}`;
    case 'position':
      return `position:${s.nSink}`;
    default:
      return s.id;
  }
}

/** The observation window w_obs a scorer forces into the kept set (0 for non-window scorers). */
export function scorerObservationWindow(s: ResolvedScorer, m: number): number {
  return s.id === 'window' ? observationWindow(s.w, m) : 0;
}

/** The scorer's f32 [L, groups, m] vector; higher = keep. */
export function computeScores(
  stats: Stats,
  s: ResolvedScorer,
  granularity: Granularity,
  windowSums: Record<number, Float32Array> = stats.windowSums,
): Float32Array {
  switch (s.id) {
    case 'postVision':
      return postVisionScore(stats, granularity);
    case 'accumulated':
      return accumulatedScore(stats, granularity);
    case 'normalized':
      return normalizedScore(stats, granularity);
    case 'window':
      return windowScore(stats, s, granularity, windowSums);
    case 'lastQuery':
      return lastQueryScore(stats, granularity);
    case 'keyNorm':
      return keyNormScore(stats, granularity);
    case 'random':
      return randomScore(stats.dims, s, granularity);
    case 'position':
      return positionScore(stats.dims, s, granularity);
  }
}
