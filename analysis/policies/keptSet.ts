/**
 * Kept sets (ALGORITHMS §5): for every layer l and group (KV head, or the whole layer at layer
 * granularity) the sorted prompt positions kept under budget k_l —
 *
 * - the effective window [m − W_l, m), W_l = min(k_l, max(w_l, w_obs)), always kept;
 * - the k_l − W_l highest-ranked positions in [0, m − W_l), ties to the lower position (taken from
 *   the precomputed ranking, so selection never re-sorts scores);
 * - or, under StreamingLLM's sink rules, positions fixed by k_l alone.
 *
 * |kept| = k_l exactly. All sets of a policy live in one Int32Array with offsets, so a result
 * crosses the worker boundary as a couple of transferable buffers.
 */
import type { Ranking } from './ranking';

export interface KeptSets {
  L: number;
  groups: number;
  m: number;
  /** Int32 [L]: k_l. */
  k: Int32Array;
  /** Int32 [L]: the effective window W_l (for sink rules: the recent part). */
  window: Int32Array;
  /** Int32 [L·groups + 1]: set (l, g) is indices[offsets[l·groups+g], offsets[l·groups+g+1]). */
  offsets: Int32Array;
  /** Sorted positions of every set, concatenated. */
  indices: Int32Array;
}

/** The sorted kept positions of (layer l, group g), as a view. */
export function keptSet(sets: KeptSets, l: number, g: number): Int32Array {
  const i = l * sets.groups + g;
  return sets.indices.subarray(sets.offsets[i], sets.offsets[i + 1]);
}

/** Offsets of the sets and their index buffer. */
function layout(k: Int32Array, groups: number): { offsets: Int32Array; indices: Int32Array } {
  const L = k.length;
  const offsets = new Int32Array(L * groups + 1);
  for (let l = 0; l < L; l++)
    for (let g = 0; g < groups; g++) offsets[l * groups + g + 1] = offsets[l * groups + g] + k[l];
  return { offsets, indices: new Int32Array(offsets[L * groups]) };
}

/**
 * Writes the top `need` positions below `cut` (by `order`, highest first from `base`) in increasing
 * order to out[at …]. The walk down the ranking marks them in `bits` (one bit per position, all
 * zero on entry and on return) and skips positions ≥ cut (at most m − cut of them); reading the set
 * bits back gives increasing order without a sort — O(need + (m − cut) + m/32).
 */
export function selectTop(
  order: Int32Array,
  base: number,
  cut: number,
  need: number,
  out: Int32Array,
  at: number,
  bits: Int32Array,
): void {
  if (need <= 0) return;
  for (let i = base, n = 0; n < need; i++) {
    const j = order[i];
    if (j < cut) {
      bits[j >>> 5] |= 1 << (j & 31);
      n++;
    }
  }
  const words = (cut + 31) >>> 5;
  let n = at;
  for (let w = 0; w < words; w++) {
    let word = bits[w];
    if (word === 0) continue;
    bits[w] = 0;
    const offset = w << 5;
    while (word !== 0) {
      const low = word & -word;
      out[n++] = offset + 31 - Math.clz32(low);
      word ^= low;
    }
  }
}

/** A zeroed bit set for `selectTop` over m positions. */
export const positionBits = (m: number) => new Int32Array((m + 31) >>> 5);

/**
 * Score-based kept sets from a ranking. `W[l]` is the effective window of layer l (already
 * min(k_l, max(w_l, w_obs))).
 */
export function selectKept(ranking: Ranking, k: Int32Array, W: Int32Array): KeptSets {
  const { groups, m, order } = ranking;
  const L = k.length;
  const { offsets, indices } = layout(k, groups);
  const bits = positionBits(m);
  for (let l = 0; l < L; l++) {
    const cut = m - W[l];
    const need = k[l] - W[l];
    for (let g = 0; g < groups; g++) {
      const at = offsets[l * groups + g];
      selectTop(order, (l * groups + g) * m, cut, need, indices, at, bits);
      for (let j = cut, n = at + need; j < m; j++) indices[n++] = j;
    }
  }
  return { L, groups, m, k, window: W, offsets, indices };
}

/** How many of StreamingLLM's k kept positions are the most recent ones (the rest are [0, k − tail)). */
export function sinkTail(
  k: number,
  recent: number,
  nSink: number,
  mode: 'sinksPlusRecent' | 'budgetMinusWindow',
): number {
  if (mode === 'budgetMinusWindow') return recent;
  return k <= nSink ? 0 : k - nSink;
}

/**
 * StreamingLLM's kept sets. `sinksPlusRecent`: [0, k_l) when k_l ≤ nSink, else [0, nSink) plus the
 * last k_l − nSink positions. `budgetMinusWindow`: [0, k_l − w_l) plus the last w_l (w_l = recent[l]).
 */
export function sinkKept(
  k: Int32Array,
  recent: Int32Array,
  m: number,
  groups: number,
  nSink: number,
  mode: 'sinksPlusRecent' | 'budgetMinusWindow',
): KeptSets {
  const L = k.length;
  const { offsets, indices } = layout(k, groups);
  const window = new Int32Array(L);
  for (let l = 0; l < L; l++) {
    const tail = sinkTail(k[l], recent[l], nSink, mode);
    window[l] = tail;
    const head = k[l] - tail;
    for (let g = 0; g < groups; g++) {
      let n = offsets[l * groups + g];
      for (let j = 0; j < head; j++) indices[n++] = j;
      for (let j = m - tail; j < m; j++) indices[n++] = j;
    }
  }
  return { L, groups, m, k, window, offsets, indices };
}

/** Every prompt position in every set (k_l = m): no scores needed. */
export function fullKept(L: number, groups: number, m: number): KeptSets {
  const k = new Int32Array(L).fill(m);
  const { offsets, indices } = layout(k, groups);
  for (let s = 0; s < L * groups; s++) for (let j = 0; j < m; j++) indices[s * m + j] = j;
  return { L, groups, m, k, window: new Int32Array(L), offsets, indices };
}
