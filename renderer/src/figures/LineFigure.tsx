// @jsxRuntime automatic
/**
 * Series against a shared x: per-layer profiles (sparsity, CacheHitRate, budgets) on a linear layer
 * axis, or recall against budget on a log axis. Gaps (NaN) break the line.
 */
import { format, scaleLinear, scaleLog, ticks } from 'd3';
import { Axis, Frame, Legend, legendLayout, MarkerShape, type Tick } from './chartParts';
import type { SeriesData } from './figureData';
import { INK, num, SIZE, seriesStyle, TYPE } from './theme';

export interface LineFigureProps {
  title: string;
  x: number[];
  xLabel: string;
  xLog?: boolean;
  yLabel: string;
  /** [0, 1] for shares; otherwise from 0 to the data's maximum. */
  yUnit?: boolean;
  series: SeriesData[];
  note?: string;
  width?: number;
  height?: number;
}

export function LineFigure(p: LineFigureProps) {
  const width = p.width ?? SIZE.column.width;
  const legendItems = p.series.map((s, i) => ({ label: s.label, ...seriesStyle(i) }));
  const legendRows = legendLayout(legendItems, width - 52).rows;
  const height = (p.height ?? SIZE.column.height) + Math.max(0, legendRows - 2) * 11;
  const m = { left: 42, right: 10, top: p.note ? 16 : 8, bottom: 34 + legendRows * 11 };
  const iw = width - m.left - m.right;
  const ih = height - m.top - m.bottom;
  const finite = p.series.flatMap((s) => s.values.filter(Number.isFinite));
  const yMax = p.yUnit ? 1 : Math.max(1, ...finite) * 1.05;
  const y = scaleLinear([0, yMax], [ih, 0]).nice();
  const x0 = p.x[0];
  const x1 = p.x.at(-1) ?? x0;
  const xScale = p.xLog ? scaleLog([x0, x1], [0, iw]) : scaleLinear([x0, x1 === x0 ? x0 + 1 : x1], [0, iw]);
  const xTicks: Tick[] = p.xLog
    ? p.x.map((v) => ({ pos: xScale(v), label: format('~g')(v) }))
    : ticks(x0, x1, Math.min(8, Math.max(1, x1 - x0)))
        .filter(Number.isInteger)
        .map((v) => ({ pos: xScale(v), label: String(v) }));
  const yTicks: Tick[] = y.ticks(5).map((v) => ({ pos: y(v), label: format('~g')(v) }));
  return (
    <Frame width={width} height={height} title={p.title}>
      <g transform={`translate(${m.left},${m.top})`}>
        <Axis orient="left" x={0} y={0} length={ih} ticks={yTicks} label={p.yLabel} grid={iw} />
        <Axis orient="bottom" x={0} y={ih} length={iw} ticks={xTicks} label={p.xLabel} />
        {p.series.map((s, i) => {
          const st = seriesStyle(i);
          let d = '';
          let pen = false;
          s.values.forEach((v, j) => {
            if (!Number.isFinite(v)) {
              pen = false;
              return;
            }
            d += `${pen ? 'L' : 'M'}${num(xScale(p.x[j]))},${num(y(v))}`;
            pen = true;
          });
          return (
            <g key={s.id} className="series" data-series={s.id}>
              <path
                d={d}
                fill="none"
                stroke={st.colour}
                strokeWidth={1.4}
                strokeDasharray={st.dash || undefined}
              />
              {s.values.map((v, j) =>
                Number.isFinite(v) ? (
                  <MarkerShape
                    key={p.x[j]}
                    marker={st.marker}
                    x={xScale(p.x[j])}
                    y={y(v)}
                    colour={st.colour}
                  />
                ) : null,
              )}
            </g>
          );
        })}
        {p.note && (
          <text className="note" x={iw} y={-6} textAnchor="end" fontSize={TYPE.legend} fill={INK.muted}>
            {p.note}
          </text>
        )}
      </g>
      <Legend x={m.left} y={height - legendRows * 11 + 1} width={width - 52} items={legendItems} />
    </Frame>
  );
}
