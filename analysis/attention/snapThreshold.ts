/**
 * Nearest-edge snapping of a threshold p (a fraction of the row maximum, e.g. 0.01) for the CLI's
 * `--threshold`: the UI only offers the histogram edges (ALGORITHMS §2), so any other value is moved to
 * the nearest edge in log space and the value actually used is reported.
 */
import { EDGE_COUNT, EDGES } from './histogramGrid';
import { InvalidThresholdError } from './errors';

export interface SnappedThreshold {
  /** Edge index k, 0..160. */
  edgeIndex: number;
  /** e_k = log10 of the threshold used. */
  edge: number;
  /** The threshold used, p = 10^{e_k}. */
  p: number;
  /** Whether the requested p was moved (false when it already was an edge, up to 1e-9 in log space). */
  snapped: boolean;
}

/**
 * Snaps p > 0 to the edge nearest to log10(p); values above 1 snap to e_160 = 0 (p = 1), values below
 * 1e-8 to e_0. A log10(p) exactly half-way between two edges goes to the lower edge (the sparser
 * reading is never overstated).
 */
export function snapThreshold(p: number): SnappedThreshold {
  if (!Number.isFinite(p) || p <= 0)
    throw new InvalidThresholdError(`threshold ${p} is not a positive finite number`, p);
  const e = Math.log10(p);
  let k = 0;
  if (e >= EDGES[EDGE_COUNT - 1]) k = EDGE_COUNT - 1;
  else if (e > EDGES[0]) {
    // Largest edge ≤ e, then compare distances to it and to the next edge.
    let lo = 0;
    let hi = EDGE_COUNT - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (EDGES[mid] <= e) lo = mid;
      else hi = mid;
    }
    k = e - EDGES[lo] <= EDGES[hi] - e ? lo : hi;
  }
  return { edgeIndex: k, edge: EDGES[k], p: 10 ** EDGES[k], snapped: Math.abs(e - EDGES[k]) > 1e-9 };
}
