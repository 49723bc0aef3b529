// @jsxRuntime automatic
/**
 * The paper's Fig. 1 style attention map: A[q, j] of one layer and head on a log colour scale
 * (viridis), embedded as a PNG image; modality boundaries on both axes; the post-vision rows
 * [τ, m) and the decode rows [m, n) marked as bands beside the map; a colour bar.
 */
import { format } from 'd3';
import { Axis, Frame, Legend } from './chartParts';
import type { AttentionData } from './figureData';
import { encodePng, pngDataUrl } from './png';
import { INK, num, OKABE_ITO, SIZE, TYPE, viridisLut } from './theme';

/** Log colour scale floor: probabilities below 1e-4 share the darkest colour. */
export const ATTENTION_LOG_FLOOR = -4;

/** RGBA of the map: viridis over log10(A) in [floor, 0]; invisible entries transparent. */
export function attentionRgba(values: Float32Array, n: number): Uint8Array {
  const lut = viridisLut();
  const out = new Uint8Array(n * n * 4);
  for (let i = 0; i < n * n; i++) {
    const v = values[i];
    if (!(v >= 0)) continue;
    const t = v <= 0 ? 0 : Math.max(0, Math.min(1, 1 - Math.log10(v) / ATTENTION_LOG_FLOOR));
    const c = Math.round(t * 255) * 4;
    out.set(lut.subarray(c, c + 4), i * 4);
  }
  return out;
}

const MODALITY_SHORT: Record<string, string> = {
  'text-pre': 'text',
  image: 'image patches',
  'text-mid': 'text',
  'text-post': 'question',
  generated: 'gen.',
};

export function AttentionFigure(props: { data: AttentionData }) {
  const d = props.data;
  const { width, height } = SIZE.square;
  const left = 40;
  const top = 10;
  const size = height - top - 50;
  const s = size / d.n;
  const pos = (i: number) => i * s;
  const href = pngDataUrl(encodePng(attentionRgba(d.values, d.n), d.n, d.n));
  const boundaries = d.spans.slice(1).map((sp) => sp.start);
  // Spans too narrow for a label are left unlabelled (their boundaries still show).
  const ticks = d.spans
    .filter((sp) => (sp.end - sp.start) * s >= 24)
    .map((sp) => ({ pos: pos((sp.start + sp.end) / 2), label: MODALITY_SHORT[sp.modality] ?? sp.modality }));
  const bandX = left + size + 4;
  const bands = [
    { id: 'post-vision', label: 'post-vision', start: d.postVisionStart, end: d.m, colour: OKABE_ITO[2] },
    { id: 'decode', label: 'decode', start: d.m, end: d.n, colour: OKABE_ITO[3] },
  ].filter((b) => b.end > b.start);
  const barX = bandX + 10;
  const barH = size;
  const barTicks = [0, -1, -2, -3, -4].map((e) => ({
    pos: (e / ATTENTION_LOG_FLOOR) * barH,
    label: format('~g')(10 ** e),
  }));
  const lut = viridisLut();
  const headLabel = d.head === 'mean' ? 'mean of heads' : `head ${d.head}`;
  return (
    <Frame width={width} height={height} title={`Attention, layer ${d.layer}, ${headLabel}`}>
      <g transform={`translate(${left},${top})`}>
        <rect width={num(size)} height={num(size)} fill="#f4f4f4" />
        <image
          className="heatmap"
          href={href}
          x={0}
          y={0}
          width={num(size)}
          height={num(size)}
          preserveAspectRatio="none"
          imageRendering="optimizeSpeed"
          style={{ imageRendering: 'pixelated' }}
        />
        {boundaries.map((b) => (
          <g key={b} className="boundary" data-boundary={`modality-${b}`}>
            <line
              x1={num(pos(b))}
              x2={num(pos(b))}
              y1={0}
              y2={num(size)}
              stroke={INK.background}
              strokeWidth={0.6}
            />
            <line
              x1={0}
              x2={num(size)}
              y1={num(pos(b))}
              y2={num(pos(b))}
              stroke={INK.background}
              strokeWidth={0.6}
            />
          </g>
        ))}
        {bands.map((b) => (
          <line
            key={b.id}
            className="boundary band-start"
            data-boundary={`${b.id}-start`}
            x1={0}
            x2={num(size)}
            y1={num(pos(b.start))}
            y2={num(pos(b.start))}
            stroke={b.colour}
            strokeWidth={0.9}
            strokeDasharray="3 2"
          />
        ))}
        <rect width={num(size)} height={num(size)} fill="none" stroke={INK.axis} strokeWidth={0.8} />
        <Axis
          orient="bottom"
          x={0}
          y={size}
          length={size}
          ticks={ticks}
          label={`key position j (n = ${d.n})`}
        />
        <Axis
          orient="left"
          x={0}
          y={0}
          length={size}
          ticks={[]}
          label={`query position q (layer ${d.layer}, ${headLabel})`}
        />
      </g>
      {bands.map((b) => (
        <g key={b.id} className="band" data-band={b.id} transform={`translate(${num(bandX)},${top})`}>
          <rect
            y={num(pos(b.start))}
            width={4}
            height={num(Math.max(1, pos(b.end) - pos(b.start)))}
            fill={b.colour}
          />
        </g>
      ))}
      <g className="colorbar" transform={`translate(${num(barX)},${top})`}>
        {Array.from({ length: 32 }, (_, i) => ({ id: `step-${i}`, i })).map(({ id, i }) => {
          const c = Math.round(((31 - i) / 31) * 255) * 4;
          return (
            <rect
              key={id}
              y={num((i * barH) / 32)}
              width={7}
              height={num(barH / 32 + 0.3)}
              fill={`rgb(${lut[c]},${lut[c + 1]},${lut[c + 2]})`}
            />
          );
        })}
        {barTicks.map((t) => (
          <text key={t.label} x={10} y={num(t.pos)} dominantBaseline="central" fontSize={TYPE.tick}>
            {t.label}
          </text>
        ))}
      </g>
      <Legend
        x={left}
        y={height - 9}
        width={width - left}
        items={[
          { label: 'modality boundary', colour: '#9a9a9a' },
          ...bands.map((b) => ({ label: `${b.label} rows`, colour: b.colour, dash: '3 2' })),
        ]}
      />
    </Frame>
  );
}
