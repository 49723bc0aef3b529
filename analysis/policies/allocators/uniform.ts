/**
 * Uniform allocation (ALGORITHMS §4.1): the same budget in every layer, the remainder of T / L going
 * one token each to the first layers — `k_l = ⌊T/L⌋ + [l < T mod L]`. What H2O, SnapKV, TOVA and most
 * single-layer methods assume.
 */
export function uniformAllocation(total: number, L: number): Int32Array {
  const base = Math.floor(total / L);
  const extra = total - base * L;
  const k = new Int32Array(L);
  for (let l = 0; l < L; l++) k[l] = base + (l < extra ? 1 : 0);
  return k;
}
