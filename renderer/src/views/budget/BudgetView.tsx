import { useMemo, useRef } from 'react';
import { GridAxes } from '../../components/GridAxes';
import { useSize } from '../../components/useSize';
import { actions, useStudio } from '../../stores/store';
import { policyColour } from '../common/palette';
import { BudgetControls } from './BudgetControls';
import { type BudgetSeries, budgetLayout } from './layout';

/**
 * Tokens kept per layer k_l (ALGORITHMS §4) for every selected policy at the current budget, with
 * the uniform share T/L dashed; the budget controls above. Click a layer to select it.
 */
export function BudgetView() {
  const recording = useStudio((s) => s.recording);
  const derived = useStudio((s) => s.derived);
  const layer = useStudio((s) => s.params.layer);
  const customIds = useStudio((s) => s.params.customPolicies.map((p) => p.id).join('|'));
  const ref = useRef<HTMLDivElement>(null);
  const size = useSize(ref);
  const series = useMemo<BudgetSeries[]>(
    () =>
      (derived?.policies ?? []).flatMap((p) =>
        p.status === 'unavailable'
          ? []
          : [{ id: p.id, label: p.label, colour: policyColour(p.id, customIds.split('|')), k: p.k }],
      ),
    [derived, customIds],
  );
  const dims = recording?.dims;
  const layout = useMemo(
    () =>
      dims && size.width > 0 && series.length
        ? budgetLayout(series, dims.L, dims.m, derived?.budget.total ?? null, size)
        : null,
    [series, dims, derived, size],
  );
  if (!recording || !dims) return null;
  return (
    <div className="budget-view">
      <BudgetControls />
      <div className="chart-body" ref={ref}>
        {layout && (
          <svg width={size.width} height={size.height} data-testid="budget-chart">
            <GridAxes
              plot={layout.plot}
              yTicks={layout.ticksY.map((t) => ({ key: t.value, px: t.px, label: t.value }))}
              xTicks={layout.ticksX.map((t) => ({ key: t.layer, px: t.px, label: t.layer }))}
              yLabel="k_l"
              xLabel="layer"
            />
            <line
              x1={layout.x(layer)}
              x2={layout.x(layer)}
              y1={layout.plot.y}
              y2={layout.plot.y + layout.plot.height}
              stroke="#00b5d8"
              strokeWidth={1.5}
            />
            {layout.uniformY !== null && (
              <line
                x1={layout.plot.x}
                x2={layout.plot.x + layout.plot.width}
                y1={layout.uniformY}
                y2={layout.uniformY}
                stroke="#888"
                strokeDasharray="4 3"
              >
                <title>uniform share T/L</title>
              </line>
            )}
            {layout.lines.map((l) => (
              <g key={l.id} data-policy={l.id}>
                <path
                  d={l.path}
                  fill="none"
                  stroke={l.colour}
                  strokeWidth={1.8}
                  data-testid={`budget-line-${l.id}`}
                />
                {l.points.map((p) => (
                  <circle
                    key={p.layer}
                    cx={p.x}
                    cy={p.y}
                    r={2.5}
                    fill={l.colour}
                    role="button"
                    tabIndex={-1}
                    onClick={() => actions.dispatch({ type: 'setParams', patch: { layer: p.layer } })}
                    onKeyDown={() => {}}
                  >
                    <title>
                      {l.label}: k_{p.layer} = {p.k} tokens
                    </title>
                  </circle>
                ))}
              </g>
            ))}
          </svg>
        )}
      </div>
      <div className="chart-legend" data-testid="budget-legend">
        {(derived?.policies ?? []).map((p) => (
          <span
            key={p.id}
            data-policy={p.id}
            data-k={p.status !== 'unavailable' ? Array.from(p.k).join(',') : ''}
          >
            <i style={{ background: policyColour(p.id, customIds.split('|')) }} /> {p.label}
            {p.status === 'unavailable'
              ? ' — unavailable (no post-vision rows)'
              : ` k_${layer} = ${p.k[layer]}${p.status === 'missingWindow' ? ' (kept sets not live)' : ''}`}
          </span>
        ))}
      </div>
    </div>
  );
}
