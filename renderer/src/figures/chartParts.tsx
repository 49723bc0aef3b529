// @jsxRuntime automatic
/**
 * The pieces every figure is made of — frame, axes, legend, markers — rendered by React to plain
 * SVG (no hooks, no DOM access), so `renderToStaticMarkup` gives the same markup in the app and on
 * the command line. Classes name the parts (`axis x-axis`, `legend`, `boundary`) for tests and for
 * anyone restyling an exported SVG.
 */
import type { ReactNode } from 'react';
import { FONT_FAMILY, INK, type Marker, num, TYPE } from './theme';

export interface Tick {
  pos: number;
  label: string;
}

export function Frame(props: { width: number; height: number; title: string; children: ReactNode }) {
  return (
    <svg
      xmlns="http://www.w3.org/2000/svg"
      xmlnsXlink="http://www.w3.org/1999/xlink"
      width={props.width}
      height={props.height}
      viewBox={`0 0 ${props.width} ${props.height}`}
      fontFamily={FONT_FAMILY}
      fontSize={TYPE.tick}
      fill={INK.text}
    >
      <title>{props.title}</title>
      <rect className="background" width={props.width} height={props.height} fill={INK.background} />
      {props.children}
    </svg>
  );
}

/** A bottom (x) or left (y) axis at (x, y) spanning `length`, with its label. */
export function Axis(props: {
  orient: 'bottom' | 'left';
  x: number;
  y: number;
  length: number;
  ticks: Tick[];
  label: string;
  /** Grid lines across the plot (the other dimension's length), drawn behind. */
  grid?: number;
}) {
  const bottom = props.orient === 'bottom';
  return (
    <g
      className={`axis ${bottom ? 'x-axis' : 'y-axis'}`}
      data-label={props.label}
      transform={`translate(${num(props.x)},${num(props.y)})`}
    >
      {props.grid !== undefined &&
        props.ticks.map((t) => (
          <line
            key={`g${t.label}`}
            className="grid"
            x1={bottom ? num(t.pos) : 0}
            x2={bottom ? num(t.pos) : num(props.grid!)}
            y1={bottom ? 0 : num(t.pos)}
            y2={bottom ? num(-props.grid!) : num(t.pos)}
            stroke={INK.grid}
            strokeWidth={0.5}
          />
        ))}
      <line
        className="domain"
        x1={0}
        y1={0}
        x2={bottom ? num(props.length) : 0}
        y2={bottom ? 0 : num(props.length)}
        stroke={INK.axis}
        strokeWidth={0.8}
      />
      {props.ticks.map((t) => (
        <g
          key={t.label}
          className="tick"
          transform={bottom ? `translate(${num(t.pos)},0)` : `translate(0,${num(t.pos)})`}
        >
          <line x2={bottom ? 0 : -3} y2={bottom ? 3 : 0} stroke={INK.axis} strokeWidth={0.8} />
          <text
            x={bottom ? 0 : -5}
            y={bottom ? 5 : 0}
            textAnchor={bottom ? 'middle' : 'end'}
            dominantBaseline={bottom ? 'hanging' : 'central'}
          >
            {t.label}
          </text>
        </g>
      ))}
      <text
        className="axis-label"
        fontSize={TYPE.label}
        textAnchor="middle"
        transform={
          bottom
            ? `translate(${num(props.length / 2)},24)`
            : `translate(-30,${num(props.length / 2)}) rotate(-90)`
        }
      >
        {props.label}
      </text>
    </g>
  );
}

export function MarkerShape(props: { marker: Marker; x: number; y: number; colour: string; r?: number }) {
  const r = props.r ?? 2.2;
  const { x, y, colour } = props;
  switch (props.marker) {
    case 'square':
      return <rect x={num(x - r)} y={num(y - r)} width={num(2 * r)} height={num(2 * r)} fill={colour} />;
    case 'triangle':
      return (
        <path
          d={`M${num(x)},${num(y - r * 1.2)}L${num(x + r * 1.1)},${num(y + r)}L${num(x - r * 1.1)},${num(y + r)}Z`}
          fill={colour}
        />
      );
    case 'diamond':
      return (
        <path
          d={`M${num(x)},${num(y - r * 1.3)}L${num(x + r)},${num(y)}L${num(x)},${num(y + r * 1.3)}L${num(x - r)},${num(y)}Z`}
          fill={colour}
        />
      );
    case 'cross':
      return (
        <path
          d={`M${num(x - r)},${num(y - r)}L${num(x + r)},${num(y + r)}M${num(x - r)},${num(y + r)}L${num(x + r)},${num(y - r)}`}
          stroke={colour}
          strokeWidth={1.2}
        />
      );
    case 'circle-open':
      return <circle cx={num(x)} cy={num(y)} r={num(r)} fill="white" stroke={colour} strokeWidth={1} />;
    default:
      return <circle cx={num(x)} cy={num(y)} r={num(r)} fill={colour} />;
  }
}

export interface LegendItem {
  label: string;
  colour: string;
  dash?: string;
  marker?: Marker;
  /** A swatch (filled box) instead of a line. */
  swatch?: boolean;
}

/** Approximate advance of DejaVu Sans at the legend size, per character (its mean glyph width). */
const LEGEND_CHAR_WIDTH = TYPE.legend * 0.58;

/** Items flowed left to right into rows no wider than `width`; each item's x and row. */
export function legendLayout(
  items: LegendItem[],
  width: number,
): { at: { x: number; row: number }[]; rows: number } {
  const at: { x: number; row: number }[] = [];
  let x = 0;
  let row = 0;
  for (const it of items) {
    const w = 18 + it.label.length * LEGEND_CHAR_WIDTH + 12;
    if (x > 0 && x + w > width) {
      x = 0;
      row += 1;
    }
    at.push({ x, row });
    x += w;
  }
  return { at, rows: items.length ? row + 1 : 0 };
}

/** A legend flowed into rows of at most `width`, starting at (x, y). */
export function Legend(props: { x: number; y: number; items: LegendItem[]; width: number }) {
  const { at } = legendLayout(props.items, props.width);
  return (
    <g className="legend" transform={`translate(${num(props.x)},${num(props.y)})`} fontSize={TYPE.legend}>
      {props.items.map((it, i) => {
        const cx = at[i].x;
        const cy = at[i].row * 11;
        return (
          <g
            key={it.label}
            className="legend-item"
            data-label={it.label}
            transform={`translate(${num(cx)},${num(cy)})`}
          >
            {it.swatch ? (
              <rect
                x={0}
                y={-3.5}
                width={12}
                height={7}
                fill={it.colour}
                stroke={INK.axis}
                strokeWidth={0.4}
              />
            ) : (
              <line
                x1={0}
                x2={14}
                y1={0}
                y2={0}
                stroke={it.colour}
                strokeWidth={1.4}
                strokeDasharray={it.dash || undefined}
              />
            )}
            {it.marker && !it.swatch && <MarkerShape marker={it.marker} x={7} y={0} colour={it.colour} />}
            <text x={18} y={0} dominantBaseline="central">
              {it.label}
            </text>
          </g>
        );
      })}
    </g>
  );
}
