import { useEffect, useMemo, useRef, useState } from 'react';
import { frames } from '../../components/frameScheduler';
import { prepareCanvas } from '../../components/HiDpiCanvas';
import { useSize } from '../../components/useSize';
import { engine } from '../../engine/engineHolder';
import { actions, useStudio } from '../../stores/store';
import { prob, tokenLabel } from '../common/format';
import { heatmapLut, lutColour } from '../common/palette';
import { useTokenLayout } from '../common/useTokenLayout';
import {
  cellRect,
  cellValues,
  groupsShown,
  hasGridTiles,
  keptFractions,
  type OverlayTiles,
  overlayLayout,
  postVisionVector,
} from './layout';

const LUT = heatmapLut();

/**
 * The image with its patch grid: the attention of the selected query row to each patch (a tile row
 * from the engine), or the post-vision score (Stats), as a heatmap; and the kept/evicted patches of
 * the current policy at the current layer and KV head, evicted ones dimmed.
 */
export function OverlayView() {
  const recording = useStudio((s) => s.recording);
  const stats = useStudio((s) => s.stats);
  const layer = useStudio((s) => s.params.layer);
  const head = useStudio((s) => s.params.head);
  const queryToken = useStudio((s) => s.params.queryToken);
  const source = useStudio((s) => s.params.overlaySource);
  const kept = useStudio((s) => s.derived?.kept ?? null);
  const policy = useStudio((s) => s.derived?.policies[0] ?? null);
  const t = useTokenLayout();
  const [showHeat, setShowHeat] = useState(true);
  const [showKept, setShowKept] = useState(true);
  const [tiles, setTiles] = useState<OverlayTiles>('grid');
  const [row, setRow] = useState<{ key: string; values: Float32Array } | null>(null);
  const [rowError, setRowError] = useState<string | null>(null);
  const ref = useRef<HTMLDivElement>(null);
  const size = useSize(ref);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const drawRef = useRef<() => void>(() => {});
  useEffect(() => {
    frames.request('overlay', () => drawRef.current());
  });

  const imageUrl = useMemo(() => {
    if (!recording || recording.image.png.length === 0) return null;
    return URL.createObjectURL(
      new Blob([recording.image.png as Uint8Array<ArrayBuffer>], { type: 'image/png' }),
    );
  }, [recording]);
  useEffect(() => () => (imageUrl ? URL.revokeObjectURL(imageUrl) : undefined), [imageUrl]);

  const layoutMemo = useMemo(
    () =>
      recording
        ? overlayLayout(
            { width: size.width, height: Math.max(0, size.height) },
            recording.image.width / recording.image.height,
            recording.tokens,
            recording.model.imageGrid,
            recording.image.tiles,
            tiles,
          )
        : null,
    [recording, size, tiles],
  );

  const rowKey = `${recording?.recordingId}|${layer}|${head}|${queryToken}`;
  useEffect(() => {
    if (!recording || !t || source !== 'query' || queryToken === null || t.imageEnd <= t.imageStart) return;
    let live = true;
    setRowError(null);
    engine()
      .api.getTile({
        recordingId: recording.recordingId,
        layer,
        head,
        rows: [queryToken, queryToken + 1],
        cols: [t.imageStart, t.imageEnd],
      })
      .then((r) => live && setRow({ key: rowKey, values: r.data }))
      .catch((e) => live && setRowError((e as Error).message));
    return () => {
      live = false;
    };
  }, [recording, t, source, queryToken, layer, head, rowKey]);

  if (!recording || !t) return null;
  if (t.imageEnd <= t.imageStart || !layoutMemo)
    return <div className="muted">This recording has no image.</div>;
  const o = layoutMemo;
  let heat: { cells: Float32Array; max: number } | null = null;
  if (source === 'query' && row && row.key === rowKey) heat = cellValues(o, row.values, t.imageStart);
  if (source === 'postVision' && stats)
    heat = cellValues(o, postVisionVector(stats.postVision, stats.dims, layer, head), 0);
  const groups = kept ? groupsShown(kept, recording.dims.H, head) : [];
  const fractions = kept ? keptFractions(o, kept, layer, groups) : null;
  const keptPatches = fractions ? fractions.reduce((a, f) => a + (f === 1 ? 1 : 0), 0) : 0;
  const imagePatches = o.positions.reduce((a, p) => a + (p >= 0 ? 1 : 0), 0);
  const kl = kept ? kept.k[layer] : null;
  const groupLabel =
    kept?.groups === 1
      ? 'all heads (layer granularity)'
      : head === 'mean'
        ? `all ${groups.length} KV heads`
        : `KV head ${groups[0]}`;
  const evicted = fractions
    ? fractions.reduce((a, f, i) => a + (o.positions[i] >= 0 && f < 1 ? 1 : 0), 0)
    : 0;
  // A short fingerprint of the heatmap, so a test (or a reader of the DOM) can tell two apart.
  const heatSignature = heat
    ? `${heat.cells.reduce((a, v) => (Number.isNaN(v) ? a : a + v), 0).toPrecision(6)}/${heat.max.toPrecision(6)}`
    : '';
  // The selected query's own cell, when it is an image token shown here.
  const selectedCell =
    queryToken !== null && queryToken >= t.imageStart && queryToken < t.imageEnd
      ? o.positions.indexOf(queryToken)
      : -1;
  drawRef.current = () => {
    const canvas = canvasRef.current;
    if (!canvas || size.width <= 0) return;
    const ctx = prepareCanvas(canvas, size.width, size.height);
    if (!ctx) return;
    ctx.clearRect(0, 0, size.width, size.height);
    for (let i = 0; i < o.positions.length; i++) {
      if (o.positions[i] < 0) continue;
      const r = cellRect(o, i);
      const v = heat?.cells[i] ?? Number.NaN;
      if (showHeat && heat && !Number.isNaN(v)) {
        const tpos = heat.max > 0 ? v / heat.max : 0;
        ctx.globalAlpha = 0.15 + 0.6 * tpos;
        ctx.fillStyle = lutColour(LUT, tpos);
        ctx.fillRect(r.x, r.y, r.width, r.height);
      }
      const f = fractions?.[i] ?? 1;
      if (showKept && f < 1) {
        ctx.globalAlpha = 0.62 * (1 - f);
        ctx.fillStyle = '#000';
        ctx.fillRect(r.x, r.y, r.width, r.height);
      }
    }
    ctx.globalAlpha = 1;
    if (selectedCell >= 0) {
      ctx.strokeStyle = '#00e5ff';
      ctx.lineWidth = 2;
      const r = cellRect(o, selectedCell);
      ctx.strokeRect(r.x, r.y, r.width, r.height);
    }
  };
  const q = queryToken;
  const qText = q !== null ? `#${q} '${tokenLabel(recording.tokens[q]?.text ?? '')}'` : '—';
  return (
    <div className="overlay-view">
      <div className="view-toolbar">
        <select
          data-testid="overlay-source"
          value={source}
          title="What the heatmap shows"
          onChange={(e) =>
            actions.dispatch({
              type: 'setParams',
              patch: { overlaySource: e.target.value as 'query' | 'postVision' },
            })
          }
        >
          <option value="query">attention of query {qText}</option>
          <option value="postVision">post-vision score Σ_(q∈P) A[q, j]</option>
        </select>
        {hasGridTiles(recording.image.tiles) ? (
          <select
            data-testid="overlay-tiles"
            value={tiles}
            title="Which vision tiles the patches are drawn for: the whole image squashed to one tile, or the high-resolution grid"
            onChange={(e) => setTiles(e.target.value as OverlayTiles)}
          >
            <option value="grid">high-resolution grid tiles</option>
            <option value="base">base image tile</option>
          </select>
        ) : null}
        <label>
          <input type="checkbox" checked={showHeat} onChange={(e) => setShowHeat(e.target.checked)} /> heatmap
        </label>
        <label>
          <input type="checkbox" checked={showKept} onChange={(e) => setShowKept(e.target.checked)} />{' '}
          kept/evicted
        </label>
      </div>
      <div className="overlay-body" ref={ref}>
        {imageUrl ? (
          <img
            src={imageUrl}
            alt="the recording's input"
            className="overlay-image"
            style={{ left: o.image.x, top: o.image.y, width: o.image.width, height: o.image.height }}
          />
        ) : (
          <div
            className="overlay-image placeholder"
            style={{ left: o.image.x, top: o.image.y, width: o.image.width, height: o.image.height }}
          />
        )}
        <canvas
          ref={canvasRef}
          className="overlay-cells"
          data-testid="overlay-canvas"
          data-evicted={evicted}
          data-heat={heatSignature}
        />
      </div>
      <div className="overlay-footer">
        <span data-testid="overlay-kept-count" data-kept-patches={keptPatches} data-k={kl ?? ''}>
          {kept && policy
            ? `${policy.label} keeps k_l = ${kl} of ${recording.dims.m} prompt tokens at layer ${layer} (${groupLabel}): ${keptPatches} of ${imagePatches} image patches kept by every KV head shown`
            : policy && policy.status !== 'ok'
              ? `${policy.label}: ${policy.status === 'unavailable' ? policy.error.message : `kept sets not live (needs window sums for w = ${policy.missingWindow})`}`
              : 'kept sets are being computed…'}
        </span>
        <span className="muted">
          {source === 'query'
            ? rowError
              ? `attention row unavailable: ${rowError}`
              : heat
                ? `max A to a patch = ${prob(heat.max)}`
                : queryToken === null
                  ? 'select a query token'
                  : 'loading attention row…'
            : 'post-vision score (ALGORITHMS §3): what VL-Cache ranks keys by'}
        </span>
      </div>
    </div>
  );
}
