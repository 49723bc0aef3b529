/**
 * The per-(layer, head) overview maps of DESIGN.md §5: the attention matrix (all n = m + G rows and
 * columns) max-pooled to R × R pixels, R = min(256, n), log-quantised to u8. Pixel i covers positions
 * [⌊i·n/R⌋, ⌊(i+1)·n/R⌋) on each axis. 0 means "no data" (no visible entry in the cell), never a
 * probability; 1..255 map log10(A) linearly from −8 (1, also A = 0 after underflow) to 0 (255).
 */

/** Largest overview side. */
export const OVERVIEW_MAX_SIZE = 256;

/** Quantisation range of log10(A). */
const LOG_MIN = -8;
const LEVELS = 254;

export function overviewSize(n: number): number {
  return Math.min(OVERVIEW_MAX_SIZE, n);
}

/** Block starts ⌊i·n/R⌋ for i = 0..R (R + 1 entries; the last is n). */
export function overviewBlockStarts(n: number, R: number): Int32Array {
  const s = new Int32Array(R + 1);
  // Integer arithmetic: i·n stays far below 2^53 for any recording.
  for (let i = 0; i <= R; i++) s[i] = Math.floor((i * n) / R);
  return s;
}

/** The pixel index of every position 0..n−1. */
export function overviewBlockOf(n: number, R: number): Int32Array {
  const starts = overviewBlockStarts(n, R);
  const of = new Int32Array(n);
  for (let i = 0; i < R; i++) of.fill(i, starts[i], starts[i + 1]);
  return of;
}

/**
 * Which pixels hold at least one visible entry, from geometry alone (u8 [R, R], 1 = data). A query in
 * [r0, r1) sees keys in [q − W + 1, q]; that meets the columns [c0, c1) iff c0 ≤ q ≤ c1 + W − 2.
 */
export function overviewHasData(n: number, R: number, window: number | null): Uint8Array {
  const s = overviewBlockStarts(n, R);
  const out = new Uint8Array(R * R);
  for (let i = 0; i < R; i++) {
    const r0 = s[i];
    const r1 = s[i + 1];
    for (let k = 0; k < R; k++) {
      const c0 = s[k];
      const c1 = s[k + 1];
      if (r1 <= r0 || c1 <= c0) continue;
      const lo = Math.max(r0, c0);
      const hi = window === null ? r1 - 1 : Math.min(r1 - 1, c1 + window - 2);
      out[i * R + k] = lo <= hi ? 1 : 0;
    }
  }
  return out;
}

/** u8 level 1..255 of a cell's maximum probability a (0 ≤ a ≤ 1) that has visible entries. */
export function quantizeOverview(a: number): number {
  if (!(a > 0)) return 1;
  const x = Math.min(0, Math.max(LOG_MIN, Math.log10(a)));
  return 1 + Math.round(((x - LOG_MIN) * LEVELS) / -LOG_MIN);
}

/** log10 of the probability a level stands for, or null for "no data" (level 0). */
export function dequantizeOverview(level: number): number | null {
  if (level === 0) return null;
  return LOG_MIN + ((level - 1) * -LOG_MIN) / LEVELS;
}
