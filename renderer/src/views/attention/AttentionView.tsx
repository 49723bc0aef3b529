import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { dequantizeOverview } from '../../../../analysis/attention/overviewMap';
import type { Stats } from '../../../../analysis/attention/stats';
import { frames } from '../../components/frameScheduler';
import { prepareCanvas } from '../../components/HiDpiCanvas';
import { useSize } from '../../components/useSize';
import { engine } from '../../engine/engineHolder';
import { actions, useStudio } from '../../stores/store';
import { prob, tokenLabel } from '../common/format';
import { heatmapLut, lutColour, MODALITY_COLOURS } from '../common/palette';
import { modalityAt, type TokenLayout } from '../common/tokenSpans';
import { useTokenLayout } from '../common/useTokenLayout';
import {
  cellAt,
  colourize,
  fullWindow,
  legendTicks,
  type MapLayout,
  type MapWindow,
  mapLayout,
  panBy,
  rasterGrid,
  rasterizeOverview,
  rasterizeTiles,
  rasterMax,
  TILE,
  type Tile,
  tileRequests,
  zoomAt,
} from './layout';
import { SmallMultiples } from './SmallMultiples';

const LUT = heatmapLut();
const NO_DATA: [number, number, number, number] = [236, 236, 239, 255];
/** Probability of each overview level (0 = no data never reaches it). */
const LEVEL_VALUES = Float32Array.from(
  { length: 256 },
  (_, l) => 10 ** (dequantizeOverview(l) ?? Number.NEGATIVE_INFINITY),
);
const levelToValue = (level: number) => LEVEL_VALUES[level];

function toCanvas(pixels: Uint8ClampedArray, cols: number, rows: number): HTMLCanvasElement | null {
  const c = document.createElement('canvas');
  c.width = cols;
  c.height = rows;
  const ctx = c.getContext('2d');
  if (!ctx) return null;
  ctx.putImageData(new ImageData(pixels as Uint8ClampedArray<ArrayBuffer>, cols, rows), 0, 0);
  return c;
}

/** Per-layer u8 maps of the maximum over heads, for the head mean's overview (cached per Stats). */
const headMaxCache = new WeakMap<Stats, Map<number, Uint8Array>>();
function headMaxOverview(stats: Stats, layer: number): Uint8Array {
  let perLayer = headMaxCache.get(stats);
  if (!perLayer) headMaxCache.set(stats, (perLayer = new Map()));
  let map = perLayer.get(layer);
  if (!map) {
    const R = stats.overviewSize;
    const { H } = stats.dims;
    map = new Uint8Array(R * R);
    for (let h = 0; h < H; h++) {
      const off = (layer * H + h) * R * R;
      for (let i = 0; i < R * R; i++) if (stats.overview[off + i] > map[i]) map[i] = stats.overview[off + i];
    }
    perLayer.set(layer, map);
  }
  return map;
}

interface Source {
  kind: 'exact' | 'overview' | 'loading' | 'failed';
  /** Max of the raster (the linear scale's top). */
  max: number;
}

/**
 * The attention map: one (layer, head) or the head mean on a canvas, zoomed and panned with the wheel
 * and drag (double-click resets), exact tiles fetched for the visible window, the overview maps when
 * the window is too large for tiles. Click selects a query row. Pan, zoom and hover never touch the
 * store: they redraw through the frame scheduler.
 */
export function AttentionView() {
  const recording = useStudio((s) => s.recording);
  const stats = useStudio((s) => s.stats);
  const layer = useStudio((s) => s.params.layer);
  const head = useStudio((s) => s.params.head);
  const queryToken = useStudio((s) => s.params.queryToken);
  const colourScale = useStudio((s) => s.params.colourScale);
  const mode = useStudio((s) => s.params.attentionMode);
  const t = useTokenLayout();
  const bodyRef = useRef<HTMLDivElement>(null);
  const size = useSize(bodyRef);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const readoutRef = useRef<HTMLDivElement>(null);
  const windowRef = useRef<MapWindow>({ r0: 0, r1: 1, c0: 0, c1: 1 });
  const tilesRef = useRef(new Map<string, Tile>());
  const pendingRef = useRef(new Set<string>());
  const layoutRef = useRef<MapLayout | null>(null);
  const failedRef = useRef(new Map<string, string>());
  const rasterRef = useRef<{ key: string; image: HTMLCanvasElement | null; max: number } | null>(null);
  const drawRef = useRef<() => void>(() => {});
  const [source, setSource] = useState<Source>({ kind: 'loading', max: 0 });
  const recordingId = recording?.recordingId ?? '';
  const n = t?.n ?? 0;

  // A new recording: whole matrix in view, no tiles.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the recording changes, which the body does not read
  useEffect(() => {
    windowRef.current = fullWindow(n);
    tilesRef.current.clear();
    pendingRef.current.clear();
    failedRef.current.clear();
  }, [recordingId, n]);

  const tileKey = useCallback(
    (ti: number, tj: number) => `${recordingId}|${layer}|${head}|${ti}|${tj}`,
    [recordingId, layer, head],
  );

  const fetchTile = useCallback(
    (ti: number, tj: number, rows: [number, number], cols: [number, number]) => {
      const key = tileKey(ti, tj);
      if (pendingRef.current.has(key) || failedRef.current.has(key)) return;
      pendingRef.current.add(key);
      engine()
        .api.getTile({ recordingId, layer, head, rows, cols })
        .then((r) => {
          const tiles = tilesRef.current;
          tiles.set(key, { rows, cols, data: r.data });
          // Bounded cache: drop the oldest tiles beyond 96 (≈ 25 MB at 256 × 256 × 4 bytes).
          while (tiles.size > 96) tiles.delete(tiles.keys().next().value as string);
        })
        .catch((e) => failedRef.current.set(key, (e as Error).message))
        .finally(() => {
          pendingRef.current.delete(key);
          frames.request('attention', () => drawRef.current());
        });
    },
    [tileKey, recordingId, layer, head],
  );

  const draw = useCallback(() => {
    const canvas = canvasRef.current;
    if (!canvas || !t || !recording || size.width < 20 || size.height < 20) return;
    const started = performance.now();
    const ctx = prepareCanvas(canvas, size.width, size.height);
    if (!ctx) return;
    const w = windowRef.current;
    const L = mapLayout(size, w, t);
    layoutRef.current = L;
    ctx.clearRect(0, 0, size.width, size.height);
    const g = rasterGrid(
      w,
      n,
      L.plot.width * (window.devicePixelRatio || 1),
      L.plot.height * (window.devicePixelRatio || 1),
    );
    const reqs = tileRequests(w, n);
    let kind: Source['kind'] = 'overview';
    let ready = false;
    if (reqs) {
      const missing = reqs.filter((r) => !tilesRef.current.has(tileKey(r.ti, r.tj)));
      const failed = missing.some((r) => failedRef.current.has(tileKey(r.ti, r.tj)));
      if (failed) kind = 'failed';
      else if (missing.length === 0) {
        kind = 'exact';
        ready = true;
      } else {
        kind = 'loading';
        for (const r of missing) fetchTile(r.ti, r.tj, r.rows, r.cols);
      }
    }
    // The coloured raster is cached: a change of the highlighted row only redraws the decorations.
    const key = `${w.r0},${w.r1},${w.c0},${w.c1}|${g.rows}x${g.cols}|${tileKey(0, 0)}|${colourScale}|${kind}|${stats ? 1 : 0}`;
    let cached = rasterRef.current;
    if (cached?.key !== key) {
      let values: Float32Array | null = null;
      if (ready) values = rasterizeTiles(g, (ti, tj) => tilesRef.current.get(tileKey(ti, tj)));
      else if (stats) {
        const R = stats.overviewSize;
        const src = head === 'mean' ? headMaxOverview(stats, layer) : stats.overview;
        const off = head === 'mean' ? 0 : (layer * stats.dims.H + head) * R * R;
        values = rasterizeOverview(g, src, off, R, n, levelToValue);
      }
      const max = values ? rasterMax(values) : 0;
      const image = values
        ? toCanvas(colourize(values, colourScale, max, LUT, NO_DATA), g.cols, g.rows)
        : null;
      cached = { key, image, max };
      rasterRef.current = cached;
    }
    if (cached.image) {
      const x0 = L.x(g.ci0);
      const y0 = L.y(g.ri0);
      ctx.save();
      ctx.beginPath();
      ctx.rect(L.plot.x, L.plot.y, L.plot.width, L.plot.height);
      ctx.clip();
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(cached.image, x0, y0, L.x(g.ci1) - x0, L.y(g.ri1) - y0);
      ctx.restore();
    }
    const max = cached.max;
    drawDecorations(ctx, L, t, queryToken);
    // How long this redraw took, for the UI benchmark (an attribute, not state: no re-render).
    canvas.dataset.drawMs = (performance.now() - started).toFixed(2);
    setSource((s) => (s.kind === kind && Math.abs(s.max - max) <= 1e-9 ? s : { kind, max }));
  }, [t, recording, size, n, tileKey, fetchTile, stats, head, layer, colourScale, queryToken]);

  drawRef.current = draw;
  useEffect(() => {
    frames.request('attention', draw);
  }, [draw]);

  const onWheel = useCallback(
    (e: WheelEvent) => {
      const L = layoutRef.current;
      if (!L || !canvasRef.current) return;
      e.preventDefault();
      const r = canvasRef.current.getBoundingClientRect();
      const px = e.clientX - r.left;
      const py = e.clientY - r.top;
      const anchor = { row: L.invertY(py), col: L.invertX(px) };
      windowRef.current = zoomAt(windowRef.current, anchor, e.deltaY < 0 ? 0.8 : 1.25, n);
      frames.request('attention', () => drawRef.current());
    },
    [n],
  );
  useEffect(() => {
    const c = canvasRef.current;
    if (!c) return;
    c.addEventListener('wheel', onWheel, { passive: false });
    return () => c.removeEventListener('wheel', onWheel);
  }, [onWheel]);

  const drag = useRef<{ x: number; y: number; moved: boolean } | null>(null);
  const onPointerDown = (e: React.PointerEvent<HTMLCanvasElement>) => {
    drag.current = { x: e.clientX, y: e.clientY, moved: false };
    e.currentTarget.setPointerCapture(e.pointerId);
  };
  const onPointerMove = (e: React.PointerEvent<HTMLCanvasElement>) => {
    const L = layoutRef.current;
    if (!L || !t || !recording) return;
    const d = drag.current;
    if (d) {
      const dx = e.clientX - d.x;
      const dy = e.clientY - d.y;
      if (Math.abs(dx) + Math.abs(dy) > 3) d.moved = true;
      if (d.moved) {
        const perPx = (windowRef.current.c1 - windowRef.current.c0) / L.plot.width;
        windowRef.current = panBy(windowRef.current, -dy * perPx, -dx * perPx, n);
        d.x = e.clientX;
        d.y = e.clientY;
        frames.request('attention', () => drawRef.current());
      }
    }
    const r = e.currentTarget.getBoundingClientRect();
    const cell = cellAt(L, e.clientX - r.left, e.clientY - r.top, n);
    const out = readoutRef.current;
    if (out) out.textContent = cell ? readout(cell.row, cell.col) : '';
  };
  const onPointerUp = (e: React.PointerEvent<HTMLCanvasElement>) => {
    const d = drag.current;
    drag.current = null;
    const L = layoutRef.current;
    if (!d || d.moved || !L) return;
    const r = e.currentTarget.getBoundingClientRect();
    const cell = cellAt(L, e.clientX - r.left, e.clientY - r.top, n);
    if (cell) actions.dispatch({ type: 'setParams', patch: { queryToken: cell.row } });
  };

  const readout = (row: number, col: number): string => {
    if (!t || !recording) return '';
    const ti = Math.floor(row / TILE);
    const tj = Math.floor(col / TILE);
    const tile = tilesRef.current.get(tileKey(ti, tj));
    let value = '';
    if (col > row) value = 'not visible (causal)';
    else if (tile)
      value = `A = ${prob(tile.data[(row - tile.rows[0]) * (tile.cols[1] - tile.cols[0]) + (col - tile.cols[0])])}`;
    else value = 'zoom in for the exact value';
    return `query #${row} ${tokenInfo(recording.tokens, t, row)} → key #${col} ${tokenInfo(recording.tokens, t, col)}: ${value}`;
  };

  if (!recording || !t) return null;
  const headLabel = head === 'mean' ? `mean of ${recording.dims.H} heads` : `head ${head}`;
  return (
    <div className="attention-view">
      <div className="view-toolbar">
        <span>
          layer {layer} · {headLabel}
        </span>
        <label title="Colour scale of the map">
          scale{' '}
          <select
            data-testid="colour-scale"
            value={colourScale}
            onChange={(e) =>
              actions.dispatch({
                type: 'setParams',
                patch: { colourScale: e.target.value as 'log' | 'linear' },
              })
            }
          >
            <option value="log">log</option>
            <option value="linear">linear</option>
          </select>
        </label>
        <div className="seg" role="tablist">
          <button
            type="button"
            className={mode === 'map' ? 'on' : ''}
            onClick={() => actions.dispatch({ type: 'setParams', patch: { attentionMode: 'map' } })}
          >
            map
          </button>
          <button
            type="button"
            data-testid="attention-overview-tab"
            className={mode === 'overview' ? 'on' : ''}
            title="Small multiples of every layer × head (pooled overview maps); click one to open it"
            onClick={() => actions.dispatch({ type: 'setParams', patch: { attentionMode: 'overview' } })}
          >
            all layers × heads
          </button>
        </div>
        <button
          type="button"
          title="Show the whole matrix (double-click the map does the same)"
          onClick={() => {
            windowRef.current = fullWindow(n);
            frames.request('attention', () => drawRef.current());
          }}
        >
          reset zoom
        </button>
      </div>
      {mode === 'overview' && <SmallMultiples />}
      {/* The map stays mounted under the overview so its canvas, zoom and tiles survive the switch. */}
      <div className={mode === 'overview' ? 'hidden' : 'map-pane'}>
        <div className="map-body" ref={bodyRef}>
          <canvas
            ref={canvasRef}
            data-testid="attention-canvas"
            data-query-row={queryToken ?? ''}
            data-source={source.kind}
            onPointerDown={onPointerDown}
            onPointerMove={onPointerMove}
            onPointerUp={onPointerUp}
            onPointerLeave={() => {
              if (readoutRef.current) readoutRef.current.textContent = '';
            }}
            onDoubleClick={() => {
              windowRef.current = fullWindow(n);
              frames.request('attention', () => drawRef.current());
            }}
          />
        </div>
        <div className="map-footer">
          <Legend scale={colourScale} max={source.max} />
          <span className="muted" data-testid="attention-source">
            {source.kind === 'exact'
              ? `exact tiles (${TILE}×${TILE})`
              : source.kind === 'loading'
                ? 'overview while exact tiles load…'
                : source.kind === 'failed'
                  ? `exact tiles unavailable (${[...failedRef.current.values()][0] ?? 'engine error'}); showing the overview`
                  : head === 'mean'
                    ? 'overview: max over heads of the pooled maps — zoom in for the exact mean'
                    : 'overview (max-pooled) — zoom in for exact values'}
          </span>
        </div>
        <div className="readout" ref={readoutRef} data-testid="attention-readout" />
      </div>
    </div>
  );
}

function tokenInfo(
  tokens: { text: string; modality: string; patch?: { row: number; col: number } }[],
  t: TokenLayout,
  pos: number,
): string {
  const tok = tokens[pos];
  const mod = modalityAt(t, pos) ?? '';
  if (tok?.patch) return `(image r${tok.patch.row} c${tok.patch.col})`;
  return `'${tokenLabel(tok?.text ?? '')}' (${mod})`;
}

function drawDecorations(
  ctx: CanvasRenderingContext2D,
  L: MapLayout,
  t: TokenLayout,
  queryToken: number | null,
) {
  const { plot } = L;
  // Row bands: a coloured strip left of the plot for post-vision and decode rows.
  for (const b of L.bands) {
    ctx.fillStyle = b.kind === 'postVision' ? MODALITY_COLOURS['text-post'] : MODALITY_COLOURS.generated;
    ctx.fillRect(plot.x - 6, b.y0, 5, Math.max(1, b.y1 - b.y0));
    ctx.globalAlpha = 0.12;
    ctx.fillRect(plot.x, b.y0, plot.width, Math.max(1, b.y1 - b.y0));
    ctx.globalAlpha = 1;
  }
  // Modality boundaries on both axes.
  ctx.save();
  ctx.setLineDash([4, 3]);
  ctx.strokeStyle = 'rgba(255,255,255,0.85)';
  ctx.lineWidth = 1;
  for (const b of L.boundariesX) {
    ctx.beginPath();
    ctx.moveTo(Math.round(b.px) + 0.5, plot.y);
    ctx.lineTo(Math.round(b.px) + 0.5, plot.y + plot.height);
    ctx.stroke();
  }
  for (const b of L.boundariesY) {
    ctx.beginPath();
    ctx.moveTo(plot.x, Math.round(b.px) + 0.5);
    ctx.lineTo(plot.x + plot.width, Math.round(b.px) + 0.5);
    ctx.stroke();
  }
  ctx.restore();
  // The selected query row.
  if (queryToken !== null) {
    const y0 = L.y(queryToken);
    const y1 = L.y(queryToken + 1);
    if (y1 >= plot.y && y0 <= plot.y + plot.height) {
      ctx.strokeStyle = '#00e5ff';
      ctx.lineWidth = 1.5;
      const h = Math.max(2, y1 - y0);
      ctx.strokeRect(plot.x, Math.max(plot.y, y0 - (h - (y1 - y0)) / 2), plot.width, h);
      ctx.fillStyle = '#00e5ff';
      ctx.beginPath();
      ctx.moveTo(plot.x - 8, (y0 + y1) / 2 - 4);
      ctx.lineTo(plot.x - 2, (y0 + y1) / 2);
      ctx.lineTo(plot.x - 8, (y0 + y1) / 2 + 4);
      ctx.fill();
    }
  }
  // Axes.
  ctx.fillStyle = '#6b6b70';
  ctx.font = '10px "DejaVu Sans", sans-serif';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (const k of L.ticksX) ctx.fillText(k.label, k.px, plot.y + plot.height + 3);
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (const k of L.ticksY) ctx.fillText(k.label, plot.x - 8, k.px);
  ctx.textAlign = 'right';
  ctx.textBaseline = 'bottom';
  ctx.fillText('key →', plot.x + plot.width, plot.y + plot.height + 20);
  void t;
}

function Legend({ scale, max }: { scale: 'log' | 'linear'; max: number }) {
  const width = 140;
  const ticks = useMemo(() => legendTicks(scale, max, width), [scale, max]);
  const stops = useMemo(() => Array.from({ length: 11 }, (_, i) => i / 10), []);
  const id = `legend-${scale}`;
  return (
    <svg
      width={width + 20}
      height={28}
      className="legend"
      data-testid="colour-legend"
      aria-label="colour legend"
    >
      <title>
        {scale === 'log'
          ? 'Attention probability A[q, j] on a log scale from 1e-6 to 1; grey = no visible entry'
          : 'Attention probability A[q, j] on a linear scale from 0 to the largest value in view; grey = no visible entry'}
      </title>
      <defs>
        <linearGradient id={id}>
          {stops.map((s) => (
            <stop key={s} offset={s} stopColor={lutColour(LUT, s)} />
          ))}
        </linearGradient>
      </defs>
      <rect x={8} y={2} width={width} height={8} fill={`url(#${id})`} />
      {ticks.map((k) => (
        <g key={k.value} transform={`translate(${8 + k.px},0)`}>
          <line y1={10} y2={13} stroke="#6b6b70" />
          <text y={23} textAnchor="middle" fontSize={9} fill="#6b6b70">
            {k.label}
          </text>
        </g>
      ))}
    </svg>
  );
}
