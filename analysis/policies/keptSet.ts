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

/** Offsets of the sets and their index buffer — `scratch` when given (and large enough). */
function layout(
  k: Int32Array,
  groups: number,
  scratch?: Int32Array,
): { offsets: Int32Array; indices: Int32Array } {
  const L = k.length;
  const offsets = new Int32Array(L * groups + 1);
  for (let l = 0; l < L; l++)
    for (let g = 0; g < groups; g++) offsets[l * groups + g + 1] = offsets[l * groups + g] + k[l];
  const n = offsets[L * groups];
  return { offsets, indices: scratch && scratch.length >= n ? scratch.subarray(0, n) : new Int32Array(n) };
}

/**
 * Writes the top `need` positions below `cut` (by `order`, whose inverse is `rank`) in increasing
 * order to out[at …], and returns the number written (= need). Two strategies with the same result:
 * for few positions, collect them along the ranking and sort them; for many, find the rank t at which
 * `need` eligible positions have been seen and scan the positions below `cut` in order, keeping
 * those ranked before t — O(m) with no sort.
 */
export function selectTop(
  order: Int32Array,
  rank: Int32Array,
  base: number,
  cut: number,
  need: number,
  out: Int32Array,
  at: number,
): void {
  if (need <= 0) return;
  if (need * 24 < cut) {
    let n = 0;
    for (let i = base; n < need; i++) {
      const j = order[i];
      if (j < cut) out[at + n++] = j;
    }
    out.subarray(at, at + need).sort();
    return;
  }
  let t = 0;
  for (let seen = 0; seen < need; t++) if (order[base + t] < cut) seen++;
  let n = at;
  for (let j = 0; j < cut; j++) if (rank[base + j] < t) out[n++] = j;
}

/**
 * Score-based kept sets from a ranking. `W[l]` is the effective window of layer l (already
 * min(k_l, max(w_l, w_obs))). `scratch`, when given, receives the indices (for throw-away sets such
 * as the points of a recall curve).
 */
export function selectKept(ranking: Ranking, k: Int32Array, W: Int32Array, scratch?: Int32Array): KeptSets {
  const { groups, m, order, rank } = ranking;
  const L = k.length;
  const { offsets, indices } = layout(k, groups, scratch);
  for (let l = 0; l < L; l++) {
    const cut = m - W[l];
    const need = k[l] - W[l];
    for (let g = 0; g < groups; g++) {
      const at = offsets[l * groups + g];
      selectTop(order, rank, (l * groups + g) * m, cut, need, indices, at);
      for (let j = cut, n = at + need; j < m; j++) indices[n++] = j;
    }
  }
  return { L, groups, m, k, window: W, offsets, indices };
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
  scratch?: Int32Array,
): KeptSets {
  const L = k.length;
  const { offsets, indices } = layout(k, groups, scratch);
  const window = new Int32Array(L);
  for (let l = 0; l < L; l++) {
    const tail = mode === 'sinksPlusRecent' ? (k[l] <= nSink ? 0 : k[l] - nSink) : recent[l];
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
