/**
 * Largest-remainder rounding (ALGORITHMS §4.4): turn real per-layer budgets x_l into integers that
 * sum to exactly T — k_l = ⌊x_l⌋, then one more token for the R = T − Σ⌊x_l⌋ layers with the largest
 * fractional parts x_l − ⌊x_l⌋ (ties to the lower layer), never past the layer's upper bound.
 */
import { AllocationError } from '../errors';

export function largestRemainder(x: ArrayLike<number>, total: number, upper: number): Int32Array {
  const L = x.length;
  const k = new Int32Array(L);
  const frac = new Float64Array(L);
  let floorSum = 0;
  for (let l = 0; l < L; l++) {
    const f = Math.floor(x[l]);
    k[l] = f;
    frac[l] = x[l] - f;
    floorSum += f;
  }
  let R = total - floorSum;
  if (R < 0)
    throw new AllocationError(`allocation overshoots its total: ${floorSum} > ${total}`, { x, total });
  if (R === 0) return k;
  const byRemainder = Array.from({ length: L }, (_, l) => l).sort((a, b) => frac[b] - frac[a] || a - b);
  for (const l of byRemainder) {
    if (R === 0) break;
    if (k[l] < upper) {
      k[l]++;
      R--;
    }
  }
  if (R > 0)
    throw new AllocationError(`allocation cannot reach its total: ${R} token(s) left over`, {
      x,
      total,
      upper,
    });
  return k;
}
