import { useEffect, useRef } from 'react';
import { dequantizeOverview } from '../../../../analysis/attention/overviewMap';
import { frames } from '../../components/frameScheduler';
import { prepareCanvas } from '../../components/HiDpiCanvas';
import { useSize } from '../../components/useSize';
import { actions, useStudio } from '../../stores/store';
import { heatmapLut } from '../common/palette';
import { colourize, rasterGrid, rasterizeOverview, smallMultipleAt, smallMultiplesLayout } from './layout';

const LUT = heatmapLut();
const NO_DATA: [number, number, number, number] = [236, 236, 239, 255];
const levelToValue = (level: number) => 10 ** (dequantizeOverview(level) ?? Number.NEGATIVE_INFINITY);

/**
 * Every layer × head as a thumbnail of its pooled overview map (log scale), drawn on one canvas;
 * the current (layer, head) is outlined and a click opens one in the map.
 */
export function SmallMultiples() {
  const stats = useStudio((s) => s.stats);
  const layer = useStudio((s) => s.params.layer);
  const head = useStudio((s) => s.params.head);
  const bodyRef = useRef<HTMLDivElement>(null);
  const size = useSize(bodyRef);
  const canvasRef = useRef<HTMLCanvasElement>(null);

  useEffect(() => {
    frames.request('small-multiples', () => {
      const canvas = canvasRef.current;
      if (!canvas || !stats || size.width < 20) return;
      const { L, H, m, G } = stats.dims;
      const n = m + G;
      const R = stats.overviewSize;
      const s = smallMultiplesLayout(L, H, size);
      const ctx = prepareCanvas(canvas, size.width, size.height);
      if (!ctx) return;
      ctx.clearRect(0, 0, size.width, size.height);
      const px = Math.max(1, Math.round(s.cell * (window.devicePixelRatio || 1)));
      const g = rasterGrid({ r0: 0, r1: n, c0: 0, c1: n }, n, px, px);
      const off = document.createElement('canvas');
      off.width = g.cols;
      off.height = g.rows;
      const octx = off.getContext('2d');
      if (!octx) return;
      ctx.imageSmoothingEnabled = false;
      for (let l = 0; l < L; l++)
        for (let h = 0; h < H; h++) {
          const values = rasterizeOverview(g, stats.overview, (l * H + h) * R * R, R, n, levelToValue);
          const rgba = colourize(values, 'log', 0, LUT, NO_DATA);
          octx.putImageData(new ImageData(rgba as Uint8ClampedArray<ArrayBuffer>, g.cols, g.rows), 0, 0);
          ctx.drawImage(off, s.x(h), s.y(l), s.cell, s.cell);
        }
      ctx.fillStyle = '#6b6b70';
      ctx.font = '9px "DejaVu Sans", sans-serif';
      ctx.textAlign = 'right';
      ctx.textBaseline = 'middle';
      const every = Math.ceil(10 / (s.cell + s.gap));
      for (let l = 0; l < L; l += every) ctx.fillText(`L${l}`, s.labelLeft - 3, s.y(l) + s.cell / 2);
      ctx.textAlign = 'center';
      ctx.textBaseline = 'bottom';
      for (let h = 0; h < H; h += Math.ceil(16 / (s.cell + s.gap)))
        ctx.fillText(`h${h}`, s.x(h) + s.cell / 2, s.labelTop - 2);
      ctx.strokeStyle = '#00b5d8';
      ctx.lineWidth = 2;
      if (head === 'mean') ctx.strokeRect(s.x(0) - 1.5, s.y(layer) - 1.5, s.width - s.labelLeft, s.cell + 3);
      else ctx.strokeRect(s.x(head) - 1.5, s.y(layer) - 1.5, s.cell + 3, s.cell + 3);
    });
  }, [stats, size, layer, head]);

  if (!stats) return <div className="muted">Waiting for the statistics…</div>;
  const { L, H } = stats.dims;
  return (
    <div className="map-body" ref={bodyRef}>
      <canvas
        ref={canvasRef}
        data-testid="small-multiples"
        title="Pooled overview maps of every layer (rows) × head (columns); click one to open it"
        onClick={(e) => {
          const r = e.currentTarget.getBoundingClientRect();
          const hit = smallMultipleAt(
            smallMultiplesLayout(L, H, size),
            L,
            H,
            e.clientX - r.left,
            e.clientY - r.top,
          );
          if (hit)
            actions.dispatch({
              type: 'setParams',
              patch: { layer: hit.layer, head: hit.head, attentionMode: 'map' },
            });
        }}
      />
    </div>
  );
}
