import { useState } from 'react';
import { engine } from '../../engine/engineHolder';
import { engineFigureSource, figureOptionsOf } from '../../figures/engineSource';
import {
  attentionData,
  budgetsAndKept,
  type FigureId,
  type FigureSet,
  hitRateData,
  recallData,
  sparsityData,
} from '../../figures/figureData';
import { svgToPngInPage } from '../../figures/rasterize';
import { figureCsv, figureJson, figureSvg } from '../../figures/renderFigure';
import { download } from '../../session/download';
import { studio } from '../../stores/store';

/** The paper figures each view exports (the same components `vlcache figures` renders). */
export const VIEW_FIGURES: Partial<Record<string, FigureId[]>> = {
  attention: ['attention'],
  overlay: ['kept'],
  sparsity: ['sparsity'],
  budget: ['budgets'],
  kept: ['kept'],
  compare: ['recall', 'hitRate'],
};

/** One figure's numbers at the current params. */
async function figureNow<K extends FigureId>(id: K): Promise<FigureSet[K]> {
  const s = studio.store.getState();
  if (!s.recording || !s.stats) throw new Error('the statistics are not loaded yet');
  const src = engineFigureSource(engine().api, s.recording, s.stats);
  const o = figureOptionsOf(s.params, s.recording.dims.L);
  const out: Partial<FigureSet> = {};
  if (id === 'attention') out.attention = await attentionData(src, o);
  else if (id === 'sparsity') out.sparsity = sparsityData(src.stats, o.edge);
  else if (id === 'hitRate') out.hitRate = await hitRateData(src, o);
  else if (id === 'recall') out.recall = await recallData(src, o);
  else Object.assign(out, await budgetsAndKept(src, o));
  return out[id] as FigureSet[K];
}

export type ExportFormat = 'svg' | 'png1' | 'png2' | 'png4' | 'csv' | 'json';

export async function exportFigure(id: FigureId, format: ExportFormat): Promise<void> {
  const data = await figureNow(id);
  if (format === 'csv') return download(figureCsv(id, data), `${id}.csv`, 'text/csv');
  if (format === 'json') return download(figureJson(id, data), `${id}.json`, 'application/json');
  const svg = figureSvg(id, data);
  if (format === 'svg') return download(svg, `${id}.svg`, 'image/svg+xml');
  const scale = Number(format.slice(3));
  download(await svgToPngInPage(svg, scale), `${id}@${scale}x.png`, 'image/png');
}

const FORMATS: [ExportFormat, string][] = [
  ['svg', 'SVG'],
  ['png1', 'PNG 1×'],
  ['png2', 'PNG 2×'],
  ['png4', 'PNG 4×'],
  ['csv', 'CSV'],
  ['json', 'JSON'],
];

/** "Export figure" for a view: its paper figure(s) as SVG or PNG, and the numbers as CSV or JSON. */
export function FigureExport(props: { view: string }) {
  const figures = VIEW_FIGURES[props.view];
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!figures) return null;
  const run = async (id: FigureId, f: ExportFormat) => {
    setBusy(true);
    setError(null);
    try {
      await exportFigure(id, f);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <details className="figure-export" data-testid={`export-${props.view}`}>
      <summary title="Export this view as a figure or its numbers">Export figure</summary>
      <div className="figure-export-menu">
        {figures.map((id) => (
          <div key={id} className="figure-export-row">
            {figures.length > 1 && <span className="muted">{id}</span>}
            {FORMATS.map(([f, label]) => (
              <button
                key={f}
                type="button"
                disabled={busy}
                onClick={() => run(id, f)}
                data-testid={`export-${props.view}-${id}-${f}`}
              >
                {label}
              </button>
            ))}
          </div>
        ))}
        {error && (
          <div className="error" role="alert">
            {error}
          </div>
        )}
      </div>
    </details>
  );
}
