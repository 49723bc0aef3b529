/**
 * The numbers behind each paper figure (DESIGN §8, issue 7 (a)–(f)), computed from a recording's
 * Stats with the analysis core, the same way in the app and on the command line. What differs
 * between the two is only where attention tiles and missing window sums come from (the engine over
 * its transport, or the recording's tensors in process), so both are callbacks. Pure: no DOM, no Node.
 */
import { sparsityProfile, rowSetAvailable } from '../../../analysis/attention/sparsity';
import { ROW_SETS, type Stats } from '../../../analysis/attention/stats';
import { edgeToP } from '../../../analysis/attention/histogramGrid';
import type { BudgetSpec } from '../../../analysis/policies/budget';
import { BUDGET_GRID_BP } from '../../../analysis/policies/budgetGrid';
import { keptSet } from '../../../analysis/policies/keptSet';
import { LiveAnalysis, type LiveResults } from '../../../analysis/policies/liveAnalysis';
import type { KvDtype } from '../../../analysis/policies/metrics/memory';
import type { Policy } from '../../../analysis/policies/policy';
import { resolvePolicy } from '../../../analysis/policies/registry';
import type { Granularity } from '../../../analysis/policies/granularity';

export type Modality = 'text-pre' | 'image' | 'text-mid' | 'text-post' | 'generated';

export interface FigureToken {
  modality: Modality;
  patch?: { imageIndex: number; tile: number; row: number; col: number; isNewline: boolean };
}

/** What the figures need of a recording. */
export interface FigureSource {
  stats: Stats;
  kvDtype: KvDtype;
  tokens: readonly FigureToken[];
  image: { png: Uint8Array; width: number; height: number };
  imageGrid: { rows: number; cols: number };
  /** Full attention matrix [n × n] of one layer and head (or the head mean); NaN where invisible. */
  tile(layer: number, head: number | 'mean'): Promise<Float32Array>;
  /** Unpooled observation-window sums for a w the Stats lack. */
  windowSums(w: number): Promise<Float32Array>;
}

export interface FigureOptions {
  layer: number;
  head: number | 'mean';
  policies: (string | Policy)[];
  budget: BudgetSpec;
  /** pView = pAlloc as a histogram edge index (ALGORITHMS §2). */
  edge: number;
  windowFraction: number;
  nSink: number;
  granularity: Granularity;
}

export interface Span {
  modality: Modality;
  start: number;
  end: number;
}

export interface AttentionData {
  layer: number;
  head: number | 'mean';
  n: number;
  /** f32 [n × n] attention, NaN where invisible. */
  values: Float32Array;
  spans: Span[];
  postVisionStart: number;
  m: number;
}

export interface SeriesData {
  id: string;
  label: string;
  values: number[];
}

export interface LayerSeriesData {
  /** e.g. the threshold or budget the values hold at. */
  note: string;
  xLabel: string;
  yLabel: string;
  series: SeriesData[];
}

export interface KeptPatchesData {
  layer: number;
  image: { png: Uint8Array; width: number; height: number };
  grid: { rows: number; cols: number };
  budgetLabel: string;
  policies: { id: string; label: string; share: number[] }[];
}

export interface RecallCurveData {
  budgetsPercent: number[];
  series: SeriesData[];
}

export interface FigureSet {
  attention: AttentionData;
  sparsity: LayerSeriesData;
  hitRate: LayerSeriesData;
  budgets: LayerSeriesData;
  kept: KeptPatchesData;
  recall: RecallCurveData;
}

export type FigureId = keyof FigureSet;
export const FIGURE_IDS: readonly FigureId[] = [
  'attention',
  'sparsity',
  'hitRate',
  'budgets',
  'kept',
  'recall',
];

/** Maximal runs of one modality over the n positions. */
export function modalitySpans(tokens: readonly FigureToken[]): Span[] {
  const spans: Span[] = [];
  tokens.forEach((t, i) => {
    const last = spans.at(-1);
    if (last && last.modality === t.modality) last.end = i + 1;
    else spans.push({ modality: t.modality, start: i, end: i + 1 });
  });
  return spans;
}

function analysisFor(src: FigureSource, o: FigureOptions, policies: (string | Policy)[]): LiveAnalysis {
  return new LiveAnalysis(src.stats, {
    kvDtype: src.kvDtype,
    params: {
      pView: o.edge,
      pAlloc: o.edge,
      linked: true,
      budget: o.budget,
      policies,
      windowFraction: o.windowFraction,
      nSink: o.nSink,
      granularity: o.granularity,
    },
  });
}

/** Results with every policy's missing window sums fetched (as the engine and CLI do). */
async function complete(live: LiveAnalysis, src: FigureSource): Promise<LiveResults> {
  const asked = new Set<number>();
  for (;;) {
    const res = live.results();
    const missing = res.policies.find((p) => p.status === 'missingWindow');
    if (missing?.status !== 'missingWindow' || asked.has(missing.missingWindow)) return res;
    asked.add(missing.missingWindow);
    live.addWindowSums(missing.missingWindow, await src.windowSums(missing.missingWindow));
  }
}

const labelOf = (ref: string | Policy) => resolvePolicy(ref).label;
const idOf = (ref: string | Policy) => resolvePolicy(ref).id;

export function sparsityData(stats: Stats, edge: number): LayerSeriesData {
  const labels = { prefill: 'prefill', postVision: 'post-vision', decode: 'decode' } as const;
  return {
    note: `p = ${edgeToP(edge).toPrecision(3)}`,
    xLabel: 'layer',
    yLabel: 'sparsity γ',
    series: ROW_SETS.filter((rs) => rowSetAvailable(stats, rs)).map((rs) => ({
      id: rs,
      label: labels[rs],
      values: Array.from(sparsityProfile(stats, rs, edge)),
    })),
  };
}

/** The three scorers of the paper's Fig. 3, each through a preset that uses it. */
const HIT_RATE_SCORERS = [
  { policy: 'h2o', id: 'accumulated', label: 'accumulated (H2O)' },
  { policy: 'snapkv', id: 'window', label: 'window (SnapKV)' },
  { policy: 'vl-cache', id: 'postVision', label: 'post-vision (VL-Cache)' },
] as const;

export async function hitRateData(src: FigureSource, o: FigureOptions): Promise<LayerSeriesData> {
  const live = analysisFor(
    src,
    o,
    HIT_RATE_SCORERS.map((s) => s.policy),
  );
  const res = await complete(live, src);
  const series: SeriesData[] = [];
  HIT_RATE_SCORERS.forEach((s, i) => {
    const r = res.policies[i];
    if (r.status === 'ok' && r.scorerHitRate)
      series.push({ id: s.id, label: s.label, values: Array.from(r.scorerHitRate.perLayer) });
  });
  return { note: 'scorer mode', xLabel: 'layer', yLabel: 'CacheHitRate', series };
}

export async function budgetsAndKept(
  src: FigureSource,
  o: FigureOptions,
): Promise<{ budgets: LayerSeriesData; kept: KeptPatchesData }> {
  const live = analysisFor(src, o, o.policies);
  const res = await complete(live, src);
  const budgetLabel = `${res.budget.realisedPercent.toFixed(1)} % budget`;
  const budgets: LayerSeriesData = {
    note: budgetLabel,
    xLabel: 'layer',
    yLabel: 'tokens kept k_l',
    series: res.policies.flatMap((p) =>
      p.status === 'unavailable'
        ? []
        : [{ id: p.policy.id, label: p.policy.label, values: Array.from(p.allocation.k) }],
    ),
  };
  // Image patches of the first image's first tile, by grid cell.
  const { rows, cols } = src.imageGrid;
  const cell = new Int32Array(rows * cols).fill(-1);
  src.tokens.forEach((t, i) => {
    const p = t.patch;
    if (p && !p.isNewline && p.imageIndex === 0 && p.tile === 0 && p.row < rows && p.col < cols)
      cell[p.row * cols + p.col] = i;
  });
  const layer = Math.min(o.layer, src.stats.dims.L - 1);
  const policies = res.policies
    .filter((p) => p.status === 'ok')
    .map((p) => {
      const sets = p.kept;
      const count = new Float64Array(src.stats.dims.m);
      for (let g = 0; g < sets.groups; g++) for (const j of keptSet(sets, layer, g)) count[j] += 1;
      return {
        id: p.policy.id,
        label: p.policy.label,
        share: Array.from(cell, (j) => (j < 0 ? 0 : count[j] / sets.groups)),
      };
    });
  return { budgets, kept: { layer, image: src.image, grid: { rows, cols }, budgetLabel, policies } };
}

export async function recallData(src: FigureSource, o: FigureOptions): Promise<RecallCurveData> {
  const live = analysisFor(src, o, o.policies);
  const series: SeriesData[] = [];
  for (const ref of o.policies) {
    const asked = new Set<number>();
    for (;;) {
      const curve = live.recallCurve(ref, BUDGET_GRID_BP);
      if (curve.status !== 'ok') break;
      const missing = curve.points.find((pt) => pt.missingWindow !== null && !asked.has(pt.missingWindow));
      if (missing?.missingWindow != null) {
        asked.add(missing.missingWindow);
        live.addWindowSums(missing.missingWindow, await src.windowSums(missing.missingWindow));
        continue;
      }
      series.push({
        id: idOf(ref),
        label: labelOf(ref),
        values: curve.points.map((pt) => (pt.recall ? pt.recall.overall : Number.NaN)),
      });
      break;
    }
  }
  return { budgetsPercent: BUDGET_GRID_BP.map((bp) => bp / 100), series };
}

export async function attentionData(src: FigureSource, o: FigureOptions): Promise<AttentionData> {
  const { m, G, L } = src.stats.dims;
  const layer = Math.min(o.layer, L - 1);
  return {
    layer,
    head: o.head,
    n: m + G,
    values: await src.tile(layer, o.head),
    spans: modalitySpans(src.tokens),
    postVisionStart: src.stats.postVisionStart,
    m,
  };
}

/** Every figure's numbers. */
export async function buildFigureSet(src: FigureSource, o: FigureOptions): Promise<FigureSet> {
  const { budgets, kept } = await budgetsAndKept(src, o);
  return {
    attention: await attentionData(src, o),
    sparsity: sparsityData(src.stats, o.edge),
    hitRate: await hitRateData(src, o),
    budgets,
    kept,
    recall: await recallData(src, o),
  };
}
