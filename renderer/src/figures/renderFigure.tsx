// @jsxRuntime automatic
// (tsx reads tsconfig from the working directory: the pragma keeps `vlcache figures` working from anywhere.)
/**
 * A figure as SVG text (React to static markup) and its numbers as CSV and JSON — one function per
 * format, shared by the app's "Export figure" and `vlcache figures`, so a figure looks the same
 * wherever it was made.
 */
import type { ReactElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { AttentionFigure } from './AttentionFigure';
import type { FigureId, FigureSet, LayerSeriesData } from './figureData';
import { KeptPatchesFigure } from './KeptPatchesFigure';
import { LineFigure } from './LineFigure';

export const FIGURE_TITLES: Record<FigureId, string> = {
  attention: 'Attention map with modality boundaries and post-vision / decode bands',
  sparsity: 'Layer-wise attention sparsity for prefill, post-vision and decode rows',
  hitRate: 'CacheHitRate per layer for accumulated, window and post-vision scoring',
  budgets: 'Per-layer budgets of each policy',
  kept: 'Kept and evicted image patches per policy',
  recall: 'Attention recall against budget',
};

const layers = (d: LayerSeriesData) => Array.from({ length: d.series[0]?.values.length ?? 1 }, (_, l) => l);

export function figureElement<K extends FigureId>(id: K, data: FigureSet[K]): ReactElement {
  switch (id) {
    case 'attention':
      return <AttentionFigure data={data as FigureSet['attention']} />;
    case 'kept':
      return <KeptPatchesFigure data={data as FigureSet['kept']} />;
    case 'recall': {
      const d = data as FigureSet['recall'];
      return (
        <LineFigure
          title={FIGURE_TITLES.recall}
          x={d.budgetsPercent}
          xLog
          xLabel="budget (% of prompt tokens, log scale)"
          yLabel="attention recall"
          yUnit
          series={d.series}
        />
      );
    }
    default: {
      const d = data as LayerSeriesData;
      return (
        <LineFigure
          title={FIGURE_TITLES[id]}
          x={layers(d)}
          xLabel={d.xLabel}
          yLabel={d.yLabel}
          yUnit={id !== 'budgets'}
          series={d.series}
          note={d.note}
        />
      );
    }
  }
}

export function figureSvg<K extends FigureId>(id: K, data: FigureSet[K]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${renderToStaticMarkup(figureElement(id, data))}\n`;
}

/** The numbers behind a figure as plain JSON (typed arrays as lists; the image as its size only). */
export function figureJson<K extends FigureId>(id: K, data: FigureSet[K]): string {
  return `${JSON.stringify(
    data,
    (key, v) => {
      if (id === 'kept' && key === 'png') return undefined;
      if (v instanceof Float32Array || v instanceof Float64Array)
        return Array.from(v, (x) => (Number.isNaN(x) ? null : x));
      if (typeof v === 'number' && !Number.isFinite(v)) return null;
      return v;
    },
    1,
  )}\n`;
}

const csvCell = (v: string | number) => {
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  return /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
};
const csv = (rows: (string | number)[][]) => `${rows.map((r) => r.map(csvCell).join(',')).join('\n')}\n`;

/** The numbers behind a figure as CSV, one row per point (long format). */
export function figureCsv<K extends FigureId>(id: K, data: FigureSet[K]): string {
  switch (id) {
    case 'attention': {
      const d = data as FigureSet['attention'];
      const rows: (string | number)[][] = [['query', 'key', 'attention']];
      for (let q = 0; q < d.n; q++)
        for (let j = 0; j <= q; j++) {
          const v = d.values[q * d.n + j];
          if (!Number.isNaN(v)) rows.push([q, j, v]);
        }
      return csv(rows);
    }
    case 'kept': {
      const d = data as FigureSet['kept'];
      const rows: (string | number)[][] = [['policy', 'layer', 'row', 'col', 'kept_share']];
      for (const p of d.policies)
        for (let c = 0; c < p.share.length; c++)
          rows.push([p.id, d.layer, Math.floor(c / d.grid.cols), c % d.grid.cols, p.share[c]]);
      return csv(rows);
    }
    case 'recall': {
      const d = data as FigureSet['recall'];
      const rows: (string | number)[][] = [['policy', 'budget_percent', 'recall']];
      for (const s of d.series)
        for (let i = 0; i < s.values.length; i++) rows.push([s.id, d.budgetsPercent[i], s.values[i]]);
      return csv(rows);
    }
    default: {
      const d = data as LayerSeriesData;
      const rows: (string | number)[][] = [['series', 'layer', d.yLabel]];
      for (const s of d.series) for (let l = 0; l < s.values.length; l++) rows.push([s.id, l, s.values[l]]);
      return csv(rows);
    }
  }
}
