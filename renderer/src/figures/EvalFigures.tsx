// @jsxRuntime automatic
/**
 * The eval sweep's figures (the paper's Fig. 5 style): accuracy against budget on a log axis from
 * 1 % to 100 %, one line per policy in the app's policy colours, the full-cache accuracy as a
 * dashed horizontal reference line; and the same chart per task as small multiples. Pure: built from
 * a results file's summary (`vlcache-eval/1`), shared by `vlcache figures --eval` and the app.
 */
import { format, scaleLinear, scaleLog } from 'd3';
import { renderToStaticMarkup } from 'react-dom/server';
import type { ResultsSummary } from '../../../analysis/eval/results';
import { policyColour } from '../views/common/palette';
import { Axis, Frame, Legend, type LegendItem, legendLayout, MarkerShape, type Tick } from './chartParts';
import { INK, num, SIZE, seriesStyle, TYPE } from './theme';

export interface AccuracyPanel {
  /** 'all' or one task. */
  task: string;
  /** Full-cache accuracy over the panel's items (the reference line). */
  fullAccuracy: number;
  /** Accuracy per policy, one value per budget (NaN where no item had a result). */
  series: { id: string; values: number[] }[];
}

export interface EvalFigureData {
  /** Budgets in % of prompt tokens, ascending. */
  budgetsPercent: number[];
  policies: string[];
  /** panels[0] is 'all', then one per task present. */
  panels: AccuracyPanel[];
}

export const EVAL_FIGURE_IDS = ['accuracy', 'accuracyByTask'] as const;
export type EvalFigureId = (typeof EVAL_FIGURE_IDS)[number];

export const EVAL_FIGURE_TITLES: Record<EvalFigureId, string> = {
  accuracy: 'Accuracy against KV-cache budget',
  accuracyByTask: 'Accuracy against KV-cache budget per task',
};

/** The figures' numbers from a summary; the 'full' policy is the reference line, not a series. */
export function evalFigureData(summary: ResultsSummary): EvalFigureData {
  const policies: string[] = [];
  const budgets: number[] = [];
  const tasks: string[] = [];
  for (const c of summary.cells) {
    if (c.policy !== 'full' && !policies.includes(c.policy)) policies.push(c.policy);
    if (!budgets.includes(c.budget)) budgets.push(c.budget);
    if (!tasks.includes(c.task)) tasks.push(c.task);
  }
  budgets.sort((a, b) => a - b);
  const ordered = ['all', ...tasks.filter((t) => t !== 'all')];
  const panels = ordered
    .filter((t) => t === 'all' || tasks.includes(t))
    .map((task): AccuracyPanel => {
      const fullAccuracy =
        task === 'all'
          ? summary.fullAccuracy
          : (summary.fullAccuracyByTask[task as keyof ResultsSummary['fullAccuracyByTask']] ?? Number.NaN);
      return {
        task,
        fullAccuracy,
        series: policies.map((id) => ({
          id,
          values: budgets.map((b) => {
            const c = summary.cells.find((x) => x.policy === id && x.budget === b && x.task === task);
            return c && c.n > 0 ? c.accuracy : Number.NaN;
          }),
        })),
      };
    });
  return { budgetsPercent: budgets.map((b) => b / 100), policies, panels };
}

const FULL_COLOUR = INK.muted;
const FULL_DASH = '5 3';

/** One policy's style: the app's policy colour, the figures' dash and marker by position. */
export function evalSeriesStyle(id: string, i: number) {
  const s = seriesStyle(i);
  return { colour: policyColour(id), dash: s.dash, marker: s.marker };
}

function legendItems(policies: string[]): LegendItem[] {
  return [
    ...policies.map((id, i) => ({ label: id, ...evalSeriesStyle(id, i) })),
    { label: 'full cache', colour: FULL_COLOUR, dash: FULL_DASH },
  ];
}

const DECADES = [1, 10, 100];

/** One panel's axes, lines and reference line, in a <g> at the panel's origin. */
function Panel(p: {
  data: AccuracyPanel;
  budgetsPercent: number[];
  policies: string[];
  iw: number;
  ih: number;
  title?: string;
  xLabel: string;
  yLabel: string;
}) {
  const x = scaleLog([1, 100], [0, p.iw]).clamp(true);
  const y = scaleLinear([0, 1], [p.ih, 0]);
  const xTicks: Tick[] = DECADES.map((v) => ({ pos: x(v), label: `${v} %` }));
  const yTicks: Tick[] = y.ticks(5).map((v) => ({ pos: y(v), label: format('~g')(v) }));
  const ref = p.data.fullAccuracy;
  return (
    <>
      <Axis orient="left" x={0} y={0} length={p.ih} ticks={yTicks} label={p.yLabel} grid={p.iw} />
      <Axis orient="bottom" x={0} y={p.ih} length={p.iw} ticks={xTicks} label={p.xLabel} />
      {p.title && (
        <text
          className="panel-title"
          x={p.iw / 2}
          y={-4}
          textAnchor="middle"
          fontSize={TYPE.legend}
          fill={INK.text}
        >
          {p.title}
        </text>
      )}
      {Number.isFinite(ref) && (
        <line
          className="reference"
          data-value={ref}
          x1={0}
          x2={p.iw}
          y1={num(y(ref))}
          y2={num(y(ref))}
          stroke={FULL_COLOUR}
          strokeWidth={1}
          strokeDasharray={FULL_DASH}
        />
      )}
      {p.data.series.map((s, i) => {
        const st = evalSeriesStyle(s.id, i);
        let d = '';
        let pen = false;
        s.values.forEach((v, j) => {
          if (!Number.isFinite(v)) {
            pen = false;
            return;
          }
          d += `${pen ? 'L' : 'M'}${num(x(p.budgetsPercent[j]))},${num(y(v))}`;
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
                  key={p.budgetsPercent[j]}
                  marker={st.marker}
                  x={x(p.budgetsPercent[j])}
                  y={y(v)}
                  colour={st.colour}
                />
              ) : null,
            )}
          </g>
        );
      })}
    </>
  );
}

const X_LABEL = 'KV-cache budget (% of prompt tokens, log scale)';

/** Accuracy against budget over all items (the paper's Fig. 5). */
export function AccuracyFigure({
  data,
  width = SIZE.column.width,
}: {
  data: EvalFigureData;
  width?: number;
}) {
  const items = legendItems(data.policies);
  const rows = legendLayout(items, width - 52).rows;
  const height = SIZE.column.height + Math.max(0, rows - 2) * 11;
  const m = { left: 42, right: 16, top: 8, bottom: 34 + rows * 11 };
  const panel = data.panels[0];
  return (
    <Frame width={width} height={height} title={EVAL_FIGURE_TITLES.accuracy}>
      <g transform={`translate(${m.left},${m.top})`}>
        {panel && (
          <Panel
            data={panel}
            budgetsPercent={data.budgetsPercent}
            policies={data.policies}
            iw={width - m.left - m.right}
            ih={height - m.top - m.bottom}
            xLabel={X_LABEL}
            yLabel="accuracy"
          />
        )}
      </g>
      <Legend x={m.left} y={height - rows * 11 + 1} width={width - 52} items={items} />
    </Frame>
  );
}

/** One panel per task, same axes, shared legend (spans both columns). */
export function AccuracyByTaskFigure({
  data,
  width = SIZE.wide.width,
}: {
  data: EvalFigureData;
  width?: number;
}) {
  const panels = data.panels.filter((p) => p.task !== 'all');
  const cols = Math.min(3, Math.max(1, panels.length));
  const gridRows = Math.ceil(panels.length / cols);
  const items = legendItems(data.policies);
  const rows = legendLayout(items, width - 52).rows;
  const cellW = (width - 10) / cols;
  const cellH = 120;
  const height = gridRows * cellH + 8 + rows * 11 + 6;
  const pm = { left: 38, right: 14, top: 14, bottom: 30 };
  return (
    <Frame width={width} height={height} title={EVAL_FIGURE_TITLES.accuracyByTask}>
      {panels.map((p, i) => (
        <g
          key={p.task}
          className="panel"
          data-task={p.task}
          transform={`translate(${num((i % cols) * cellW + pm.left)},${num(Math.floor(i / cols) * cellH + pm.top)})`}
        >
          <Panel
            data={p}
            budgetsPercent={data.budgetsPercent}
            policies={data.policies}
            iw={cellW - pm.left - pm.right}
            ih={cellH - pm.top - pm.bottom}
            title={p.task}
            xLabel="budget (%, log)"
            yLabel="accuracy"
          />
        </g>
      ))}
      <Legend x={pm.left} y={height - rows * 11 - 2} width={width - 52} items={items} />
    </Frame>
  );
}

export function evalFigureSvg(id: EvalFigureId, data: EvalFigureData): string {
  const el = id === 'accuracy' ? <AccuracyFigure data={data} /> : <AccuracyByTaskFigure data={data} />;
  return `<?xml version="1.0" encoding="UTF-8"?>\n${renderToStaticMarkup(el)}\n`;
}

const csvCell = (v: string | number) => {
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  return /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
};

/** The numbers behind a figure, one row per point, with the reference accuracy on every row. */
export function evalFigureCsv(id: EvalFigureId, data: EvalFigureData): string {
  const panels = id === 'accuracy' ? data.panels.slice(0, 1) : data.panels.filter((p) => p.task !== 'all');
  const rows: (string | number)[][] = [['task', 'policy', 'budget_percent', 'accuracy', 'full_accuracy']];
  for (const p of panels)
    for (const s of p.series)
      s.values.forEach((v, j) => {
        rows.push([p.task, s.id, data.budgetsPercent[j], v, p.fullAccuracy]);
      });
  return `${rows.map((r) => r.map(csvCell).join(',')).join('\n')}\n`;
}

export function evalFigureJson(id: EvalFigureId, data: EvalFigureData): string {
  const panels = id === 'accuracy' ? data.panels.slice(0, 1) : data.panels.filter((p) => p.task !== 'all');
  return `${JSON.stringify(
    { budgetsPercent: data.budgetsPercent, policies: data.policies, panels },
    (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v),
    1,
  )}\n`;
}
