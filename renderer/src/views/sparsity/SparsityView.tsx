import { useMemo, useRef, useState } from 'react';
import { GridAxes } from '../../components/GridAxes';
import { GestureSlider } from '../../components/GestureSlider';
import { useSize } from '../../components/useSize';
import { actions, useStudio } from '../../stores/store';
import { pct } from '../common/format';
import { ROW_SET_COLOURS, ROW_SET_LABELS } from '../common/palette';
import { EDGE_COUNT, edgeLabel, sparsityLayout } from './layout';

const setEdge = (patch: { viewEdge?: number; allocEdge?: number }, gesture?: string) =>
  actions.dispatch({ type: 'setParams', patch }, Date.now(), gesture);

/**
 * Sparsity per layer (ALGORITHMS §2) for the prefill, post-vision and decode rows at threshold pView,
 * with the spread over heads; the threshold slider over the histogram grid's edges, linked to
 * VL-Cache's pAlloc unless unlinked. Click a layer to select it.
 */
export function SparsityView() {
  const recording = useStudio((s) => s.recording);
  const sparsity = useStudio((s) => s.derived?.sparsity ?? null);
  const viewEdge = useStudio((s) => s.params.viewEdge);
  const allocEdge = useStudio((s) => s.params.allocEdge);
  const linked = useStudio((s) => s.params.linkThresholds);
  const layer = useStudio((s) => s.params.layer);
  const [shown, setShown] = useState([true, true, true]);
  const ref = useRef<HTMLDivElement>(null);
  const size = useSize(ref);
  const dims = recording?.dims;
  const rows = useMemo(() => shown.flatMap((on, i) => (on ? [i] : [])), [shown]);
  const layout = useMemo(
    () => (sparsity && dims && size.width > 0 ? sparsityLayout(sparsity, dims.L, dims.H, size, rows) : null),
    [sparsity, dims, size, rows],
  );
  if (!recording || !dims) return null;
  const current = sparsity?.layer;
  return (
    <div className="sparsity-view">
      <div className="view-toolbar wrap">
        <span
          className="slider-field"
          title="pView: an entry is sparse if A[q, j] < p × the row maximum (ThresholdFilter, ALGORITHMS §2); values are the histogram grid's edges"
        >
          p (view) = <b data-testid="view-threshold">{edgeLabel(viewEdge)}</b> of row max
          <GestureSlider
            min={0}
            max={EDGE_COUNT - 1}
            value={viewEdge}
            label="view threshold"
            testId="threshold-slider"
            onChange={(v, g) => setEdge({ viewEdge: v }, g)}
          />
        </span>
        <label title="When linked, VL-Cache's allocation threshold pAlloc (sparsityAware, ALGORITHMS §4.3) moves with the view threshold">
          <input
            type="checkbox"
            data-testid="link-thresholds"
            checked={linked}
            onChange={(e) =>
              actions.dispatch({ type: 'setParams', patch: { linkThresholds: e.target.checked } })
            }
          />{' '}
          {linked ? 'linked to pAlloc' : 'unlinked'}
        </label>
        {!linked && (
          <span
            className="slider-field"
            title="pAlloc: the threshold of VL-Cache's sparsity-aware allocator (ALGORITHMS §4.3)"
          >
            pAlloc = <b data-testid="alloc-threshold">{edgeLabel(allocEdge)}</b>
            <GestureSlider
              min={0}
              max={EDGE_COUNT - 1}
              value={allocEdge}
              label="allocation threshold"
              testId="alloc-slider"
              onChange={(v, g) => setEdge({ allocEdge: v }, g)}
            />
          </span>
        )}
      </div>
      <div className="chart-body" ref={ref}>
        {layout && (
          <svg width={size.width} height={size.height} data-testid="sparsity-chart">
            <GridAxes
              plot={layout.plot}
              yTicks={layout.ticksY.map((t) => ({ key: t.value, px: t.px, label: t.label }))}
              xTicks={layout.ticksX.map((t) => ({ key: t.layer, px: t.px, label: t.layer }))}
              xLabel="layer"
            />
            <line
              x1={layout.x(layer)}
              x2={layout.x(layer)}
              y1={layout.plot.y}
              y2={layout.plot.y + layout.plot.height}
              stroke="#00b5d8"
              strokeWidth={1.5}
            />
            {layout.series.map((s) => (
              <g key={s.rowSet} data-rowset={ROW_SET_LABELS[s.rowSet]}>
                <path d={s.range} fill={ROW_SET_COLOURS[s.rowSet]} fillOpacity={0.1} />
                <path d={s.iqr} fill={ROW_SET_COLOURS[s.rowSet]} fillOpacity={0.2} />
                <path
                  d={s.line}
                  fill="none"
                  stroke={ROW_SET_COLOURS[s.rowSet]}
                  strokeWidth={2}
                  data-testid={`sparsity-line-${ROW_SET_LABELS[s.rowSet]}`}
                />
                {s.points.map((p) => (
                  <circle
                    key={p.layer}
                    cx={p.x}
                    cy={p.y}
                    r={p.layer === layer ? 4 : 2.5}
                    fill={ROW_SET_COLOURS[s.rowSet]}
                    role="button"
                    tabIndex={-1}
                    onClick={() => actions.dispatch({ type: 'setParams', patch: { layer: p.layer } })}
                    onKeyDown={() => {}}
                  >
                    <title>
                      layer {p.layer}, {ROW_SET_LABELS[s.rowSet]} rows: γ = {pct(p.value, 2)} (mean over
                      heads)
                    </title>
                  </circle>
                ))}
              </g>
            ))}
          </svg>
        )}
        {!layout && <div className="muted">computing sparsity…</div>}
      </div>
      <div className="chart-legend">
        {ROW_SET_LABELS.map((l, i) => (
          <label
            key={l}
            title={`${l} rows (ALGORITHMS §2); band: spread over heads (min–max, interquartile)`}
          >
            <input
              type="checkbox"
              checked={shown[i]}
              onChange={(e) => setShown((s) => s.map((v, j) => (j === i ? e.target.checked : v)))}
            />
            <i style={{ background: ROW_SET_COLOURS[i] }} /> {l}
            {current && !Number.isNaN(current[i * dims.L + layer])
              ? ` ${pct(current[i * dims.L + layer], 1)}`
              : i === 1 && current && Number.isNaN(current[dims.L])
                ? ' (no post-vision rows)'
                : ''}
          </label>
        ))}
        <span className="muted"> at layer {layer}</span>
      </div>
    </div>
  );
}
