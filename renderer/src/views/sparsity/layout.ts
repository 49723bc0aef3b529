/**
 * Geometry of the sparsity profile (DESIGN §8.5): layer sparsity γ(l, R, p) per row set as lines over
 * the layers, the spread over heads (min–max and the interquartile range) as bands, axes, and the
 * threshold slider's labels — edges e_k of the histogram grid (ALGORITHMS §2) shown as p = 10^e_k, a
 * percentage of the row maximum.
 */
import { area, line, quantileSorted, scaleLinear } from 'd3';
import { EDGE_COUNT, EDGES } from '../../../../analysis/attention/histogramGrid';

export const SPARSITY_MARGIN = { top: 8, right: 10, bottom: 24, left: 40 };

export interface SeriesGeometry {
  rowSet: number;
  /** SVG path of the layer sparsity line ('' when the row set has no rows). */
  line: string;
  /** Min–max band over heads and the interquartile band. */
  range: string;
  iqr: string;
  points: { layer: number; x: number; y: number; value: number }[];
}

export interface SparsityLayout {
  plot: { x: number; y: number; width: number; height: number };
  x: (layer: number) => number;
  y: (s: number) => number;
  series: SeriesGeometry[];
  ticksX: { layer: number; px: number }[];
  ticksY: { value: number; px: number; label: string }[];
}

/**
 * `layer` is f64 [3, L] and `head` f64 [3, L, H] (NaN for a row set without rows). The y axis spans
 * [yMin, 1]: yMin is 0 unless every shown value lies above 0.5, when it zooms to the data (sparsity
 * at small p crowds near 1).
 */
export function sparsityLayout(
  profile: { layer: Float64Array; head: Float64Array },
  L: number,
  H: number,
  size: { width: number; height: number },
  shown: readonly number[] = [0, 1, 2],
): SparsityLayout {
  const m = SPARSITY_MARGIN;
  const plot = {
    x: m.left,
    y: m.top,
    width: Math.max(10, size.width - m.left - m.right),
    height: Math.max(10, size.height - m.top - m.bottom),
  };
  let lo = 1;
  for (const r of shown)
    for (let l = 0; l < L; l++)
      for (let h = 0; h < H; h++) {
        const v = profile.head[(r * L + l) * H + h];
        if (!Number.isNaN(v) && v < lo) lo = v;
      }
  const yMin = lo > 0.5 ? Math.max(0, Math.floor((lo - 0.02) * 20) / 20) : 0;
  const x = scaleLinear()
    .domain([0, Math.max(1, L - 1)])
    .range([plot.x + (L === 1 ? plot.width / 2 : 0), plot.x + plot.width]);
  const y = scaleLinear()
    .domain([yMin, 1])
    .range([plot.y + plot.height, plot.y]);
  const series: SeriesGeometry[] = shown.map((r) => {
    const points: SeriesGeometry['points'] = [];
    const bands: { layer: number; min: number; max: number; q1: number; q3: number }[] = [];
    for (let l = 0; l < L; l++) {
      const v = profile.layer[r * L + l];
      if (Number.isNaN(v)) continue;
      points.push({ layer: l, x: x(l), y: y(v), value: v });
      const hs = Array.from(profile.head.subarray((r * L + l) * H, (r * L + l + 1) * H))
        .filter((s) => !Number.isNaN(s))
        .sort((a, b) => a - b);
      if (hs.length)
        bands.push({
          layer: l,
          min: hs[0],
          max: hs[hs.length - 1],
          q1: quantileSorted(hs, 0.25) ?? hs[0],
          q3: quantileSorted(hs, 0.75) ?? hs[0],
        });
    }
    const ln = line<{ x: number; y: number }>()
      .x((d) => d.x)
      .y((d) => d.y);
    const band = (a: 'min' | 'q1', b: 'max' | 'q3') =>
      area<(typeof bands)[number]>()
        .x((d) => x(d.layer))
        .y0((d) => y(d[a]))
        .y1((d) => y(d[b]))(bands) ?? '';
    return { rowSet: r, line: ln(points) ?? '', range: band('min', 'max'), iqr: band('q1', 'q3'), points };
  });
  const xTickStep = Math.max(1, Math.ceil(L / Math.max(2, Math.floor(plot.width / 28))));
  const ticksX = [];
  for (let l = 0; l < L; l += xTickStep) ticksX.push({ layer: l, px: x(l) });
  const ticksY = y.ticks(5).map((value) => ({ value, px: y(value), label: `${Math.round(value * 100)} %` }));
  return { plot, x, y, series, ticksX, ticksY };
}

/** p = 10^e_k as a fraction of the row maximum. */
export function edgeP(k: number): number {
  return 10 ** EDGES[Math.max(0, Math.min(EDGE_COUNT - 1, k))];
}

/** "p = 1 % of the row max" style label of edge k, with e_k. */
export function edgeLabel(k: number): string {
  const pct = 100 * edgeP(k);
  const s = pct >= 1 ? pct.toPrecision(3) : pct.toPrecision(2);
  return `${Number(s)} %`;
}

export { EDGE_COUNT };
