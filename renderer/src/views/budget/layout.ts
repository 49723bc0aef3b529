/**
 * Geometry of the budget allocation view (DESIGN §8.6): k_l (prompt tokens kept per layer) of each
 * policy as a line over the layers, the uniform share T/L as a reference, and the budget controls'
 * arithmetic — a logarithmic slider over basis points and the two-way conversion between a percentage
 * and an average number of tokens per layer (ALGORITHMS §4.0).
 */
import { line, scaleLinear } from 'd3';
import type { Budget } from '../../stores/paramsSlice';

export const BUDGET_MARGIN = { top: 8, right: 10, bottom: 24, left: 44 };

/** Slider positions 0..SLIDER_MAX map to 1..10,000 basis points (0.01 %..100 %) logarithmically. */
export const SLIDER_MAX = 1000;

export function sliderToBasisPoints(pos: number): number {
  return Math.max(1, Math.min(10000, Math.round(10 ** ((4 * pos) / SLIDER_MAX))));
}

export function basisPointsToSlider(bp: number): number {
  return Math.round((SLIDER_MAX * Math.log10(Math.max(1, Math.min(10000, bp)))) / 4);
}

/** The percentage a budget asks for: b/100, or 100·N/m for tokens per layer. */
export function requestedPercent(b: Budget, m: number): number {
  return b.kind === 'percent' ? b.basisPoints / 100 : (100 * b.perLayer) / m;
}

/** The tokens per layer a budget asks for (fractional for a percentage): b·m/10⁴, or N. */
export function requestedTokens(b: Budget, m: number): number {
  return b.kind === 'tokens' ? b.perLayer : (b.basisPoints * m) / 10000;
}

/** A percentage typed by the user as a budget in whole basis points (clamped to 0.01–100 %). */
export function percentBudget(percent: number): Budget {
  return { kind: 'percent', basisPoints: Math.max(1, Math.min(10000, Math.round(percent * 100))) };
}

/** A token count typed by the user as a per-layer budget (clamped to 1..m). */
export function tokensBudget(n: number, m: number): Budget {
  return { kind: 'tokens', perLayer: Math.max(1, Math.min(m, Math.round(n))) };
}

export interface BudgetSeries {
  id: string;
  label: string;
  colour: string;
  k: Int32Array;
}

export interface BudgetLayout {
  plot: { x: number; y: number; width: number; height: number };
  x: (layer: number) => number;
  y: (k: number) => number;
  lines: {
    id: string;
    label: string;
    colour: string;
    path: string;
    points: { layer: number; x: number; y: number; k: number }[];
  }[];
  /** y of the uniform share T/L. */
  uniformY: number | null;
  ticksX: { layer: number; px: number }[];
  ticksY: { value: number; px: number }[];
}

export function budgetLayout(
  series: BudgetSeries[],
  L: number,
  m: number,
  total: number | null,
  size: { width: number; height: number },
): BudgetLayout {
  const mg = BUDGET_MARGIN;
  const plot = {
    x: mg.left,
    y: mg.top,
    width: Math.max(10, size.width - mg.left - mg.right),
    height: Math.max(10, size.height - mg.top - mg.bottom),
  };
  let top = total !== null ? total / L : 1;
  for (const s of series) for (const k of s.k) top = Math.max(top, k);
  top = Math.min(m, top * 1.05);
  const x = scaleLinear()
    .domain([0, Math.max(1, L - 1)])
    .range([plot.x + (L === 1 ? plot.width / 2 : 0), plot.x + plot.width]);
  const y = scaleLinear()
    .domain([0, top])
    .nice(5)
    .range([plot.y + plot.height, plot.y]);
  const ln = line<{ x: number; y: number }>()
    .x((d) => d.x)
    .y((d) => d.y);
  const lines = series.map((s) => {
    const points = Array.from(s.k, (k, layer) => ({ layer, x: x(layer), y: y(k), k }));
    return { id: s.id, label: s.label, colour: s.colour, path: ln(points) ?? '', points };
  });
  const step = Math.max(1, Math.ceil(L / Math.max(2, Math.floor(plot.width / 28))));
  const ticksX = [];
  for (let l = 0; l < L; l += step) ticksX.push({ layer: l, px: x(l) });
  return {
    plot,
    x,
    y,
    lines,
    uniformY: total !== null ? y(total / L) : null,
    ticksX,
    ticksY: y.ticks(5).map((value) => ({ value, px: y(value) })),
  };
}
