// @jsxRuntime automatic
/**
 * Kept and evicted image patches of several policies side by side at one layer: the input image
 * with each patch dimmed by the share of KV heads that evict it (fully evicted patches darkest).
 */
import { Frame, Legend } from './chartParts';
import type { KeptPatchesData } from './figureData';
import { pngDataUrl } from './png';
import { INK, num, SIZE, TYPE } from './theme';

const EVICTED_OPACITY = 0.78;
const EVICTED_FILL = '#101010';

export function KeptPatchesFigure(props: { data: KeptPatchesData }) {
  const d = props.data;
  const { width } = SIZE.wide;
  const P = Math.max(1, d.policies.length);
  const gap = 10;
  const top = 16;
  const side = Math.floor(Math.min((width - gap * (P + 1)) / P, SIZE.wide.height - top - 40));
  const height = top + side + 40;
  const href = pngDataUrl(d.image.png);
  const cw = side / d.grid.cols;
  const ch = side / d.grid.rows;
  const x0 = (width - (side * P + gap * (P - 1))) / 2;
  return (
    <Frame width={width} height={height} title={`Kept image patches at layer ${d.layer}, ${d.budgetLabel}`}>
      <defs>
        <image
          id="kept-input-image"
          href={href}
          width={num(side)}
          height={num(side)}
          preserveAspectRatio="none"
        />
      </defs>
      {d.policies.map((p, i) => (
        <g
          key={p.id}
          className="panel"
          data-policy={p.id}
          transform={`translate(${num(x0 + i * (side + gap))},${top})`}
        >
          <text x={num(side / 2)} y={-5} textAnchor="middle" fontSize={TYPE.label}>
            {p.label}
          </text>
          <use href="#kept-input-image" />
          {p.share
            .map((share, c) => ({ id: `cell-${c}`, share, c }))
            .map(({ id, share, c }) =>
              share < 1 ? (
                <rect
                  key={id}
                  className={share === 0 ? 'evicted' : 'partial'}
                  x={num((c % d.grid.cols) * cw)}
                  y={num(Math.floor(c / d.grid.cols) * ch)}
                  width={num(cw)}
                  height={num(ch)}
                  fill={EVICTED_FILL}
                  fillOpacity={num((1 - share) * EVICTED_OPACITY)}
                />
              ) : null,
            )}
          <rect width={num(side)} height={num(side)} fill="none" stroke={INK.axis} strokeWidth={0.8} />
          <text
            x={num(side / 2)}
            y={num(side + 10)}
            textAnchor="middle"
            dominantBaseline="hanging"
            fill={INK.muted}
          >
            {`${num((100 * p.share.reduce((s, x) => s + x, 0)) / Math.max(1, p.share.length))} % of patches kept`}
          </text>
        </g>
      ))}
      <text
        x={width - 8}
        y={height - 6}
        textAnchor="end"
        dominantBaseline="central"
        fontSize={TYPE.legend}
        fill={INK.muted}
      >
        {`layer ${d.layer} · ${d.budgetLabel}`}
      </text>
      <Legend
        x={x0}
        y={height - 6}
        width={width - 200}
        items={[
          { label: 'kept by every KV head', colour: INK.background, swatch: true },
          { label: 'kept by some KV heads', colour: '#8a8a8a', swatch: true },
          { label: 'evicted', colour: '#383838', swatch: true },
        ]}
      />
    </Frame>
  );
}
