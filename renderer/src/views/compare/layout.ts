/**
 * Geometry of the policy comparison (DESIGN §8.8): attention recall or CacheHitRate (ALGORITHMS §7)
 * against the budget on a log axis from 1 % to 100 %, one line per policy over the budget grid (§8),
 * with the current budget marked and each policy's value there.
 */
import { line, scaleLinear, scaleLog } from 'd3';

export const CURVE_MARGIN = { top: 16, right: 16, bottom: 22, left: 32 };

export interface CurveSeries {
  id: string;
  colour: string;
  /** One value per budget of the grid; NaN where not live. */
  values: Float64Array;
  /** The value at the current budget, if known. */
  current: number | null;
}

export interface CurvesLayout {
  plot: { x: number; y: number; width: number; height: number };
  x: (percent: number) => number;
  y: (v: number) => number;
  lines: { id: string; colour: string; path: string; currentY: number | null }[];
  markerX: number;
  ticksX: { value: number; px: number; label: string }[];
  ticksY: { value: number; px: number; label: string }[];
}

export function curvesLayout(
  series: CurveSeries[],
  budgetsBp: readonly number[],
  currentPercent: number,
  size: { width: number; height: number },
): CurvesLayout {
  const mg = CURVE_MARGIN;
  const plot = {
    x: mg.left,
    y: mg.top,
    width: Math.max(10, size.width - mg.left - mg.right),
    height: Math.max(10, size.height - mg.top - mg.bottom),
  };
  const x = scaleLog()
    .domain([1, 100])
    .range([plot.x, plot.x + plot.width])
    .clamp(true);
  const y = scaleLinear()
    .domain([0, 1])
    .range([plot.y + plot.height, plot.y]);
  const ln = line<[number, number]>()
    .defined((d) => !Number.isNaN(d[1]))
    .x((d) => x(d[0]))
    .y((d) => y(d[1]));
  const lines = series.map((s) => ({
    id: s.id,
    colour: s.colour,
    path: ln(budgetsBp.map((bp, i) => [bp / 100, s.values[i]] as [number, number])) ?? '',
    currentY: s.current !== null && Number.isFinite(s.current) ? y(s.current) : null,
  }));
  return {
    plot,
    x,
    y,
    lines,
    markerX: x(Math.max(1, Math.min(100, currentPercent))),
    ticksX: (plot.width < 220 ? [1, 10, 100] : [1, 2, 5, 10, 20, 50, 100]).map((value) => ({
      value,
      px: x(value),
      label: `${value}%`,
    })),
    ticksY: [0, 0.25, 0.5, 0.75, 1].map((value) => ({ value, px: y(value), label: value.toFixed(2) })),
  };
}
