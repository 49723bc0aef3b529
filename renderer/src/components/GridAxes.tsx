/**
 * The axes every line chart of the app shares: horizontal grid lines with y tick labels, x tick
 * labels under the plot, and optional axis titles. Geometry comes from the view's pure layout.
 */
export interface PlotRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface AxisTick {
  key: string | number;
  px: number;
  label: string | number;
}

export function GridAxes(props: {
  plot: PlotRect;
  yTicks: AxisTick[];
  xTicks: AxisTick[];
  /** Title under the x ticks, right-aligned. */
  xLabel?: string;
  /** Title along the y axis, rotated. */
  yLabel?: string;
  /** Gap between the plot and the y tick labels, and the x tick baseline offset. */
  gap?: number;
  xTickOffset?: number;
}) {
  const { plot, gap = 4, xTickOffset = 14 } = props;
  const bottom = plot.y + plot.height;
  return (
    <g className="axis">
      {props.yTicks.map((t) => (
        <g key={t.key}>
          <line x1={plot.x} x2={plot.x + plot.width} y1={t.px} y2={t.px} stroke="#eee" />
          <text x={plot.x - gap} y={t.px} textAnchor="end" dominantBaseline="middle">
            {t.label}
          </text>
        </g>
      ))}
      {props.xTicks.map((t) => (
        <text key={t.key} x={t.px} y={bottom + xTickOffset} textAnchor="middle">
          {t.label}
        </text>
      ))}
      {props.yLabel && (
        <text
          x={4}
          y={plot.y + 4}
          dominantBaseline="hanging"
          transform={`rotate(-90 12 ${plot.y + plot.height / 2})`}
        >
          {props.yLabel}
        </text>
      )}
      {props.xLabel && (
        <text x={plot.x + plot.width} y={bottom + xTickOffset + 8} textAnchor="end">
          {props.xLabel}
        </text>
      )}
    </g>
  );
}
