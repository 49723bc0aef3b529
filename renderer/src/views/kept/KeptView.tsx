import { useEffect, useMemo, useRef } from 'react';
import { PRESETS } from '../../../../analysis/policies/registry';
import { frames } from '../../components/frameScheduler';
import { blitPixels, prepareCanvas } from '../../components/HiDpiCanvas';
import { useSize } from '../../components/useSize';
import { actions, useStudio } from '../../stores/store';
import { tokenLabel } from '../common/format';
import { MODALITY_COLOURS } from '../common/palette';
import { useTokenLayout } from '../common/useTokenLayout';
import { countKept, keptCellAt, keptLayout, matrixRows, rasterizeKept, stateAt } from './layout';

const SINGLE: [number, number, number][] = [
  [236, 236, 239],
  [29, 29, 31],
  [29, 29, 31],
  [29, 29, 31],
];
const DIFF: [number, number, number][] = [
  [236, 236, 239],
  [213, 94, 0],
  [0, 114, 178],
  [29, 29, 31],
];

/**
 * Layer (or KV head) × prompt token: kept or evicted under the current policy (ALGORITHMS §5), with the
 * modality spans under the token axis; in diff mode, which tokens only A, only B or both keep.
 */
export function KeptView() {
  const recording = useStudio((s) => s.recording);
  const derived = useStudio((s) => s.derived);
  const layer = useStudio((s) => s.params.layer);
  const head = useStudio((s) => s.params.head);
  const rowsMode = useStudio((s) => s.params.keptRows);
  const diffPolicy = useStudio((s) => s.params.diffPolicy);
  const policies = useStudio((s) => s.params.policies);
  const custom = useStudio((s) => s.params.customPolicies);
  const t = useTokenLayout();
  const ref = useRef<HTMLDivElement>(null);
  const size = useSize(ref);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const readoutRef = useRef<HTMLDivElement>(null);
  const a = derived?.kept ?? null;
  const b = diffPolicy ? (derived?.keptDiff ?? null) : null;
  const dims = recording?.dims;
  const rows = useMemo(
    () => (a && dims ? matrixRows(rowsMode, dims.L, a.groups, dims.H, layer, head) : []),
    [a, dims, rowsMode, layer, head],
  );
  const counts = useMemo(() => (a ? countKept(rows, a, b) : null), [rows, a, b]);
  const layout = useMemo(
    () => (t && dims && size.width > 0 ? keptLayout(rows.length, dims.m, t.spans, size) : null),
    [t, dims, rows.length, size],
  );

  // The raster depends on the kept sets and the size only; a layer change just moves the outline.
  const raster = useMemo(
    () =>
      layout && a
        ? rasterizeKept(rows, a, b, layout.plot.width * (window.devicePixelRatio || 1), b ? DIFF : SINGLE)
        : null,
    [layout, a, b, rows],
  );

  useEffect(() => {
    frames.request('kept', () => {
      const canvas = canvasRef.current;
      if (!canvas || !layout || !raster || !dims) return;
      const ctx = prepareCanvas(canvas, size.width, size.height);
      if (!ctx) return;
      ctx.clearRect(0, 0, size.width, size.height);
      blitPixels(
        ctx,
        raster.pixels,
        raster.cols,
        rows.length,
        layout.plot.x,
        layout.plot.y,
        layout.plot.width,
        layout.plot.height,
      );
      // Modality spans under the token axis.
      for (const s of layout.spans) {
        ctx.fillStyle = MODALITY_COLOURS[s.modality];
        ctx.fillRect(s.x0, layout.plot.y + layout.plot.height + 2, Math.max(1, s.x1 - s.x0), 5);
      }
      ctx.fillStyle = '#6b6b70';
      ctx.font = '9px "DejaVu Sans", sans-serif';
      ctx.textAlign = 'right';
      ctx.textBaseline = 'middle';
      rows.forEach((r, i) => {
        if (r.label && i % layout.labelEvery === 0)
          ctx.fillText(r.label, layout.plot.x - 4, layout.plot.y + (i + 0.5) * layout.rowHeight);
      });
      // The current layer's rows.
      ctx.strokeStyle = '#00b5d8';
      ctx.lineWidth = 1.5;
      rows.forEach((r, i) => {
        if (rowsMode === 'layers' && r.layer === layer && (i === 0 || rows[i - 1].layer !== layer)) {
          const n = rows.filter((x) => x.layer === layer).length;
          ctx.strokeRect(
            layout.plot.x - 1,
            layout.plot.y + i * layout.rowHeight,
            layout.plot.width + 2,
            n * layout.rowHeight,
          );
        }
      });
      ctx.textAlign = 'left';
      ctx.textBaseline = 'top';
      ctx.fillText('prompt token →', layout.plot.x, layout.plot.y + layout.plot.height + 9);
    });
  }, [layout, raster, rows, dims, size, layer, rowsMode]);

  if (!recording || !dims || !t) return null;
  const cur = derived?.policies[0];
  const allPolicies = [
    ...PRESETS.map((p) => ({ id: p.id, label: p.label })),
    ...custom.map((p) => ({ id: p.id, label: p.label })),
  ];
  const labelOf = (id: string | null) => allPolicies.find((p) => p.id === id)?.label ?? id ?? '';
  const perGroup = a ? a.k.reduce((x, y) => x + y, 0) : null;
  return (
    <div className="kept-view">
      <div className="view-toolbar wrap">
        <span>
          A: <b>{labelOf(policies[0] ?? null)}</b>
        </span>
        <label title="Compare with a second policy: tokens only A keeps, only B keeps, both keep">
          diff with{' '}
          <select
            data-testid="diff-policy"
            value={diffPolicy ?? ''}
            onChange={(e) =>
              actions.dispatch({ type: 'setParams', patch: { diffPolicy: e.target.value || null } })
            }
          >
            <option value="">— (no diff)</option>
            {allPolicies
              .filter((p) => p.id !== policies[0])
              .map((p) => (
                <option key={p.id} value={p.id}>
                  {p.label}
                </option>
              ))}
          </select>
        </label>
        <select
          value={rowsMode}
          title="Rows: every layer, or the KV heads of the current layer"
          onChange={(e) =>
            actions.dispatch({ type: 'setParams', patch: { keptRows: e.target.value as 'layers' | 'heads' } })
          }
        >
          <option value="layers">
            rows: layers
            {head === 'mean' && a && a.groups > 1
              ? ' × KV heads'
              : head === 'mean'
                ? ''
                : ` (KV head of head ${head})`}
          </option>
          <option value="heads">rows: KV heads of layer {layer}</option>
        </select>
      </div>
      <div className="chart-body" ref={ref}>
        <canvas
          ref={canvasRef}
          data-testid="kept-matrix"
          data-kept-a={counts ? counts.onlyA + counts.both : ''}
          data-only-a={counts?.onlyA ?? ''}
          data-only-b={counts?.onlyB ?? ''}
          data-both={counts?.both ?? ''}
          onPointerMove={(e) => {
            const out = readoutRef.current;
            if (!out || !layout || !a) return;
            const r = e.currentTarget.getBoundingClientRect();
            const cell = keptCellAt(layout, rows.length, dims.m, e.clientX - r.left, e.clientY - r.top);
            if (!cell) {
              out.textContent = '';
              return;
            }
            const row = rows[cell.row];
            const s = stateAt(rows[cell.row], cell.pos, a, b);
            const what = b
              ? ['kept by neither', 'kept only by A', 'kept only by B', 'kept by both'][s]
              : s & 1
                ? 'kept'
                : 'evicted';
            const tok = recording.tokens[cell.pos];
            out.textContent = `layer ${row.layer}${a && a.groups > 1 ? `, KV head ${row.group}` : ''}, #${cell.pos} ${tok?.patch ? `(image r${tok.patch.row} c${tok.patch.col})` : `'${tokenLabel(tok?.text ?? '')}'`}: ${what}`;
          }}
          onClick={(e) => {
            if (!layout) return;
            const r = e.currentTarget.getBoundingClientRect();
            const cell = keptCellAt(layout, rows.length, dims.m, e.clientX - r.left, e.clientY - r.top);
            if (cell) actions.dispatch({ type: 'setParams', patch: { layer: rows[cell.row].layer } });
          }}
        />
        {!a && (
          <div className="muted overlay-note">
            {cur && cur.status === 'unavailable'
              ? `${cur.label} is unavailable: ${cur.error.message}`
              : cur && cur.status === 'missingWindow'
                ? `${cur.label}'s kept sets are not live: they need observation-window sums for w = ${cur.missingWindow}`
                : 'computing kept sets…'}
          </div>
        )}
      </div>
      <div className="kept-footer">
        <span data-testid="kept-count" data-per-group={perGroup ?? ''}>
          {a && perGroup !== null
            ? `keeps Σ_l k_l = ${perGroup} prompt tokens per KV head (budget T = ${derived?.budget.total})`
            : ''}
        </span>
        {b && counts && (
          <span className="legend-inline">
            <span>
              <i style={{ background: 'rgb(213,94,0)' }} /> only A {counts.onlyA}
            </span>
            <span>
              <i style={{ background: 'rgb(0,114,178)' }} /> only B ({labelOf(diffPolicy)}) {counts.onlyB}
            </span>
            <span>
              <i style={{ background: 'rgb(29,29,31)' }} /> both {counts.both}
            </span>
          </span>
        )}
        {diffPolicy && !b && a && <span className="muted">{labelOf(diffPolicy)} has no kept sets here</span>}
      </div>
      <div className="readout" ref={readoutRef} />
    </div>
  );
}
