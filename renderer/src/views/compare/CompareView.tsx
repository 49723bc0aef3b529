import { useMemo, useRef } from 'react';
import { GridAxes } from '../../components/GridAxes';
import { PRESETS } from '../../../../analysis/policies/registry';
import { useSize } from '../../components/useSize';
import type { Evaluation } from '../../stores/derivedSlice';
import { evaluationKey, evaluatePolicy } from '../../worker/derivedBridge';
import { actions, useStudio } from '../../stores/store';
import { bytes, pct } from '../common/format';
import { policyColour } from '../common/palette';
import { CustomPolicyForm } from './CustomPolicyForm';
import { type CurveSeries, curvesLayout } from './layout';

const METRIC_HELP = {
  recall:
    'Attention recall (ALGORITHMS §7): the share of the full-cache decode attention to prompt keys that falls on kept keys, averaged over heads, decode rows and layers.',
  hitRate:
    'CacheHitRate, policy mode (VL-Cache Def. 3.1, ALGORITHMS §7): the overlap of each kept set with the top-k_l keys of the first decode query, averaged over KV heads and layers.',
} as const;

function CurveChart({ metric }: { metric: 'recall' | 'hitRate' }) {
  const curves = useStudio((s) => s.curves);
  const derived = useStudio((s) => s.derived);
  const custom = useStudio((s) => s.params.customPolicies);
  const ref = useRef<HTMLDivElement>(null);
  const size = useSize(ref);
  const layout = useMemo(() => {
    if (!curves || size.width <= 0) return null;
    const customIds = custom.map((p) => p.id);
    const series: CurveSeries[] = curves.curves.flatMap((c) => {
      if (c.status !== 'ok') return [];
      const now = derived?.policies.find((p) => p.id === c.id);
      return [
        {
          id: c.id,
          colour: policyColour(c.id, customIds),
          values: metric === 'recall' ? c.recall : c.hitRate,
          current: now?.status === 'ok' ? (metric === 'recall' ? now.recall : now.hitRate) : null,
        },
      ];
    });
    return curvesLayout(series, curves.budgets, derived?.budget.realisedPercent ?? 10, size);
  }, [curves, derived, size, metric, custom]);
  return (
    <div className="curve" ref={ref}>
      {layout ? (
        <svg width={size.width} height={size.height} data-testid={`curve-${metric}`}>
          <title>{METRIC_HELP[metric]}</title>
          <text x={layout.plot.x} y={10} className="chart-title">
            {metric === 'recall' ? 'attention recall' : 'CacheHitRate'}
          </text>
          <GridAxes
            plot={layout.plot}
            yTicks={layout.ticksY.map((t) => ({ key: t.value, px: t.px, label: t.label }))}
            xTicks={layout.ticksX.map((t) => ({ key: t.value, px: t.px, label: t.label }))}
            gap={3}
            xTickOffset={13}
          />
          <line
            x1={layout.markerX}
            x2={layout.markerX}
            y1={layout.plot.y}
            y2={layout.plot.y + layout.plot.height}
            stroke="#00b5d8"
            strokeDasharray="3 2"
            data-testid={`curve-marker-${metric}`}
          >
            <title>current budget</title>
          </line>
          {layout.lines.map((l) => (
            <g key={l.id}>
              <path d={l.path} fill="none" stroke={l.colour} strokeWidth={1.6} />
              {l.currentY !== null && <circle cx={layout.markerX} cy={l.currentY} r={3} fill={l.colour} />}
            </g>
          ))}
        </svg>
      ) : (
        <div className="muted">computing curves…</div>
      )}
    </div>
  );
}

/**
 * Attention recall and CacheHitRate against the budget for every selected policy (log axis, current
 * budget marked); the policy picker (presets and custom compositions, the first selected is the
 * current policy); and per-policy evaluation — decoding under the policy's kept sets — beside the
 * full-cache answer with the fidelity metrics.
 */
export function CompareView() {
  const recording = useStudio((s) => s.recording);
  const derived = useStudio((s) => s.derived);
  const params = useStudio((s) => s.params);
  const evaluations = useStudio((s) => s.evaluations);
  if (!recording) return null;
  const selected = params.policies;
  const all = [...PRESETS, ...params.customPolicies];
  const customIds = params.customPolicies.map((p) => p.id);
  const setPolicies = (policies: string[]) => actions.dispatch({ type: 'setParams', patch: { policies } });
  const toggle = (id: string, on: boolean) =>
    setPolicies(on ? [...selected.filter((x) => x !== id), id] : selected.filter((x) => x !== id));
  const makeCurrent = (id: string) => setPolicies([id, ...selected.filter((x) => x !== id)]);
  return (
    <div className="compare-view">
      <div className="curves">
        <CurveChart metric="recall" />
        <CurveChart metric="hitRate" />
      </div>
      <div className="full-answer" data-testid="full-answer">
        full cache: <q>{recording.generation.text}</q>
      </div>
      <table className="policy-table" data-testid="policy-table">
        <thead>
          <tr>
            <th title="Shown in the comparisons">show</th>
            <th title="The current policy: the image overlay and the kept/evicted matrix show its choices">
              cur
            </th>
            <th>policy</th>
            <th title={METRIC_HELP.recall}>recall</th>
            <th title={METRIC_HELP.hitRate}>CHR</th>
            <th title="Decode under the policy's kept sets at the current budget and compare the answer with the full cache's (ALGORITHMS §7, answer fidelity)">
              evaluate
            </th>
          </tr>
        </thead>
        <tbody>
          {all.map((p) => {
            const on = selected.includes(p.id);
            const r = derived?.policies.find((x) => x.id === p.id);
            const ev = evaluations[evaluationKey(recording.recordingId, p.id, params)];
            return (
              <PolicyRow
                key={p.id}
                id={p.id}
                label={p.label}
                note={'note' in p && p.note ? p.note : `${p.scorer?.id ?? 'no scorer'} × ${p.allocator.id}`}
                colour={policyColour(p.id, customIds)}
                on={on}
                current={selected[0] === p.id}
                recall={r?.status === 'ok' ? r.recall : null}
                hitRate={r?.status === 'ok' ? r.hitRate : null}
                status={
                  r?.status === 'unavailable'
                    ? 'unavailable'
                    : r?.status === 'missingWindow'
                      ? `not live (w = ${r.missingWindow})`
                      : null
                }
                canEvaluate={recording.canEvaluate}
                evaluation={ev}
                onToggle={(v) => toggle(p.id, v)}
                onCurrent={() => makeCurrent(p.id)}
              />
            );
          })}
        </tbody>
      </table>
      <CustomPolicyForm />
    </div>
  );
}

function PolicyRow(props: {
  id: string;
  label: string;
  note: string;
  colour: string;
  on: boolean;
  current: boolean;
  recall: number | null;
  hitRate: number | null;
  status: string | null;
  canEvaluate: boolean;
  evaluation: Evaluation | undefined;
  onToggle: (on: boolean) => void;
  onCurrent: () => void;
}) {
  const ev = props.evaluation;
  return (
    <>
      <tr data-policy={props.id} className={props.current ? 'current' : ''}>
        <td>
          <input
            type="checkbox"
            checked={props.on}
            onChange={(e) => props.onToggle(e.target.checked)}
            aria-label={`show ${props.label}`}
          />
        </td>
        <td>
          <input
            type="radio"
            name="current-policy"
            checked={props.current}
            onChange={props.onCurrent}
            aria-label={`make ${props.label} the current policy`}
          />
        </td>
        <td title={props.note}>
          <i className="swatch" style={{ background: props.colour }} /> {props.label}
          {props.status && <span className="muted"> · {props.status}</span>}
        </td>
        <td data-testid={`recall-${props.id}`}>{props.recall !== null ? pct(props.recall) : ''}</td>
        <td>{props.hitRate !== null ? pct(props.hitRate) : ''}</td>
        <td>
          <button
            type="button"
            data-testid={`evaluate-${props.id}`}
            disabled={!props.canEvaluate || ev?.state === 'running' || props.id === 'full'}
            title={
              props.canEvaluate
                ? 'Decode under this policy at the current budget'
                : "This recording's model is not loaded here; evaluating needs it"
            }
            onClick={() => evaluatePolicy(props.id)}
          >
            {ev?.state === 'running' ? 'decoding…' : 'evaluate'}
          </button>
        </td>
      </tr>
      {ev && ev.state !== 'running' && (
        <tr className="evaluation" data-testid={`evaluation-${props.id}`}>
          <td colSpan={6}>
            {ev.state === 'failed' ? (
              <span className="error">evaluation failed: {ev.message}</span>
            ) : (
              <>
                <div>
                  at {ev.budgetLabel}: <q data-testid={`answer-${props.id}`}>{ev.result.text}</q>{' '}
                  <b className={ev.result.exactMatch ? 'good' : 'bad'}>
                    {ev.result.exactMatch ? 'exact match' : 'differs'}
                  </b>
                </div>
                <div className="metrics" data-testid={`fidelity-${props.id}`}>
                  <span title="Share of the full-cache answer's tokens reproduced at the same step (ALGORITHMS §7, agreement)">
                    agreement {pct(ev.result.agreement)}
                  </span>
                  <span title="First decode step where the answers differ (ALGORITHMS §7)">
                    first divergence {ev.result.firstDivergence ?? 'none'}
                  </span>
                  <span title="Teacher-forced KL(full ‖ policy), mean over steps 1..G−1 (ALGORITHMS §7)">
                    KL {ev.result.meanKl !== null ? ev.result.meanKl.toExponential(2) : '–'}
                  </span>
                  <span title="Teacher-forced top-1 agreement (ALGORITHMS §7)">
                    top-1 {ev.result.top1Agreement !== null ? pct(ev.result.top1Agreement) : '–'}
                  </span>
                  <span title="KV memory of the prompt cache, kept vs full (ALGORITHMS §7)">
                    KV {bytes(ev.result.keptBytes)} / {bytes(ev.result.fullBytes)}
                  </span>
                </div>
              </>
            )}
          </td>
        </tr>
      )}
    </>
  );
}
