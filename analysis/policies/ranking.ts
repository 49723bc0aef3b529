/**
 * Budget-independent rankings (DESIGN §5): for every (layer, group) the prompt positions sorted by
 * score, highest first, ties to the lower position (ALGORITHMS §3, §5, §7). Computed once per
 * recording and scorer, after which a kept set for any budget is a walk down the first k entries.
 */

export interface Ranking {
  /** Int32 [L, groups, m]: positions by decreasing score (ties: increasing position). */
  order: Int32Array;
  /** Int32 [L, groups, m]: inverse of `order` — rank[j] is j's place in the order. */
  rank: Int32Array;
  groups: number;
  m: number;
}

// Composite sort keys pack (score, position) into one exactly representable double, so one native
// Float64Array sort does the work of a comparator sort (several times faster at m ≈ 3,000).
const POS_BITS = 2 ** 21;
const F32_SIGN = 0x80000000;

/** Maps an f32's bit pattern to a u32 whose unsigned order is the float order (NaN lowest, −0 = +0). */
function orderedBits(bits: number, value: number): number {
  if (Number.isNaN(value)) return 0;
  if (value === 0) return F32_SIGN;
  return bits & F32_SIGN ? ~bits >>> 0 : (bits | F32_SIGN) >>> 0;
}

/** Ranks every (layer, group) row of an f32 [rows, m] score tensor. */
export function rankScores(scores: Float32Array, groups: number, m: number): Ranking {
  const rows = scores.length / m;
  const order = new Int32Array(scores.length);
  const rank = new Int32Array(scores.length);
  const bits = new Uint32Array(scores.buffer, scores.byteOffset, scores.length);
  if (m <= POS_BITS) {
    const keys = new Float64Array(m);
    for (let r = 0; r < rows; r++) {
      const base = r * m;
      for (let j = 0; j < m; j++) {
        // Descending score = ascending complement; the position breaks ties upward.
        keys[j] = (0xffffffff - orderedBits(bits[base + j], scores[base + j])) * POS_BITS + j;
      }
      keys.sort();
      for (let i = 0; i < m; i++) {
        const k = keys[i];
        const j = k - Math.floor(k / POS_BITS) * POS_BITS;
        order[base + i] = j;
        rank[base + j] = i;
      }
    }
  } else {
    const idx = new Int32Array(m);
    for (let r = 0; r < rows; r++) {
      const base = r * m;
      for (let j = 0; j < m; j++) idx[j] = j;
      const key = (j: number) => orderedBits(bits[base + j], scores[base + j]);
      idx.sort((a, b) => key(b) - key(a) || a - b);
      order.set(idx, base);
      for (let i = 0; i < m; i++) rank[base + idx[i]] = i;
    }
  }
  return { order, rank, groups, m };
}
