import { useEffect, useState } from 'react';
import { GestureSlider } from '../../components/GestureSlider';
import type { Budget } from '../../stores/paramsSlice';
import { actions, useStudio } from '../../stores/store';
import { percentLabel } from '../common/format';
import {
  basisPointsToSlider,
  percentBudget,
  requestedPercent,
  requestedTokens,
  SLIDER_MAX,
  sliderToBasisPoints,
  tokensBudget,
} from './layout';

const setBudget = (budget: Budget, gesture?: string) =>
  actions.dispatch({ type: 'setParams', patch: { budget } }, Date.now(), gesture);

/** A number field that commits on Enter or blur and follows outside changes otherwise. */
function NumberField(props: {
  value: number;
  digits: number;
  min: number;
  max: number;
  step: number;
  label: string;
  testId: string;
  onCommit: (v: number) => void;
}) {
  const shown = Number(props.value.toFixed(props.digits));
  const [text, setText] = useState(String(shown));
  useEffect(() => setText(String(shown)), [shown]);
  const commit = () => {
    const v = Number(text);
    if (Number.isFinite(v) && v > 0) props.onCommit(v);
    else setText(String(shown));
  };
  return (
    <input
      type="number"
      aria-label={props.label}
      data-testid={props.testId}
      min={props.min}
      max={props.max}
      step={props.step}
      value={text}
      onChange={(e) => setText(e.target.value)}
      onBlur={commit}
      onKeyDown={(e) => {
        if (e.key === 'Enter') commit();
      }}
    />
  );
}

/**
 * The budget α (ALGORITHMS §4.0) in both units: a logarithmic percent slider and field, and the
 * average prompt tokens kept per layer; either one sets the budget, the other follows. The realised
 * percentage (after integer rounding and clamping) is shown whenever it differs from the request.
 */
export function BudgetControls() {
  const budget = useStudio((s) => s.params.budget);
  const m = useStudio((s) => s.recording?.dims.m ?? 0);
  const L = useStudio((s) => s.recording?.dims.L ?? 0);
  const resolved = useStudio((s) => s.derived?.budget ?? null);
  const workerMs = useStudio((s) => s.derived?.ms ?? null);
  if (!m) return null;
  const bp = budget.kind === 'percent' ? budget.basisPoints : Math.round((10000 * budget.perLayer) / m);
  const pct = requestedPercent(budget, m);
  return (
    <div className="budget-controls">
      <span
        className="slider-field"
        title="Budget α: the share of the prompt KV cache kept, model-wide (ALGORITHMS §4.0); log scale"
      >
        budget
        <GestureSlider
          min={0}
          max={SLIDER_MAX}
          value={basisPointsToSlider(bp)}
          label="budget"
          testId="budget-slider"
          onChange={(v, g) => setBudget({ kind: 'percent', basisPoints: sliderToBasisPoints(v) }, g)}
        />
      </span>
      <span title="Budget as a percentage of the prompt cache">
        <NumberField
          value={pct}
          digits={2}
          min={0.01}
          max={100}
          step={0.01}
          label="budget in percent"
          testId="budget-percent"
          onCommit={(v) => setBudget(percentBudget(v))}
        />{' '}
        %
      </span>
      <span title="Budget as the average number of prompt tokens kept per layer (per KV head): T = N·L">
        <NumberField
          value={requestedTokens(budget, m)}
          digits={1}
          min={1}
          max={m}
          step={1}
          label="budget in tokens per layer"
          testId="budget-tokens"
          onCommit={(v) => setBudget(tokensBudget(v, m))}
        />{' '}
        tokens / layer
      </span>
      <span
        className="budget-summary"
        data-testid="budget-summary"
        data-total={resolved?.total ?? ''}
        data-worker-ms={workerMs ?? ''}
        title={
          workerMs !== null ? `recomputed in the analysis worker in ${workerMs.toFixed(1)} ms` : undefined
        }
      >
        {resolved
          ? `T = ${resolved.total} of ${L * m} prompt tokens${
              resolved.differs
                ? ` · requested ${percentLabel(resolved.requestedPercent)}, realised ${percentLabel(resolved.realisedPercent)}`
                : ` · ${percentLabel(resolved.realisedPercent)}`
            }`
          : '…'}
      </span>
    </div>
  );
}
