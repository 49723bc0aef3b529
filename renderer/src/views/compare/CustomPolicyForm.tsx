import { useState } from 'react';
import { ALLOCATOR_IDS, type AllocatorSpec } from '../../../../analysis/policies/allocators/allocator';
import { type Policy, policyProblems } from '../../../../analysis/policies/policy';
import { SCORER_IDS, type ScorerSpec } from '../../../../analysis/policies/scorers/scorer';
import { RECENT_RULES, SINK_RULES, type WindowRules } from '../../../../analysis/policies/windowRules';
import { actions, useStudio } from '../../stores/store';

const SCORER_HELP: Record<string, string> = {
  postVision: 'post-vision attention Σ over the rows after the image (VL-Cache)',
  accumulated: 'accumulated prefill attention (H2O)',
  normalized: 'accumulated attention normalised by the rows that see each key (ZipCache-style)',
  window: 'observation-window attention, pooled (SnapKV; w = 32, kernel 5)',
  lastQuery: 'attention of the last prompt row (TOVA)',
  keyNorm: 'negative key L2 norm (K-norm)',
  random: 'seeded random scores',
  position: 'position: sinks, then recency (StreamingLLM)',
};

/** The composition as a Policy value (scorer × allocator × window rules, ALGORITHMS §6). */
export function composePolicy(
  scorer: string,
  allocator: string,
  recent: WindowRules['recent'],
  sinks: string,
  existing: readonly { id: string }[],
): Policy {
  const base = `${scorer}-${allocator}-${recent}${sinks ? `-${sinks}` : ''}`;
  let id = `custom-${base}`;
  for (let i = 2; existing.some((p) => p.id === id); i++) id = `custom-${base}-${i}`;
  const a: AllocatorSpec =
    allocator === 'sparsityAware'
      ? { id: 'sparsityAware', mode: 'renormalize' }
      : ({ id: allocator } as AllocatorSpec);
  return {
    id,
    label: `${scorer} × ${allocator}${recent !== 'fraction' ? ` (${recent} window)` : ''}${sinks ? ` + ${sinks}` : ''}`,
    scorer: { id: scorer } as ScorerSpec,
    allocator: a,
    window: sinks ? { recent, sinks: sinks as WindowRules['sinks'] } : { recent },
    paper: null,
  };
}

/** Compose a custom policy; its problems (policyProblems) are listed before it can be added. */
export function CustomPolicyForm() {
  const custom = useStudio((s) => s.params.customPolicies);
  const policies = useStudio((s) => s.params.policies);
  const [scorer, setScorer] = useState('postVision');
  const [allocator, setAllocator] = useState('uniform');
  const [recent, setRecent] = useState<WindowRules['recent']>('fraction');
  const [sinks, setSinks] = useState('');
  const candidate = composePolicy(scorer, allocator, recent, sinks, custom);
  const problems = policyProblems(candidate);
  return (
    <details className="custom-policy">
      <summary title="Compose any scorer with any allocator and window rule (ALGORITHMS §6)">
        custom composition
      </summary>
      <div className="custom-row">
        <select
          value={scorer}
          onChange={(e) => setScorer(e.target.value)}
          aria-label="scorer"
          title={SCORER_HELP[scorer]}
        >
          {SCORER_IDS.map((s) => (
            <option key={s} value={s} title={SCORER_HELP[s]}>
              {s}
            </option>
          ))}
        </select>
        ×
        <select value={allocator} onChange={(e) => setAllocator(e.target.value)} aria-label="allocator">
          {ALLOCATOR_IDS.filter((a) => a !== 'full').map((a) => (
            <option key={a} value={a}>
              {a}
            </option>
          ))}
        </select>
        <select
          value={recent}
          onChange={(e) => setRecent(e.target.value as WindowRules['recent'])}
          aria-label="recent window"
        >
          {RECENT_RULES.map((r) => (
            <option key={r} value={r}>
              recent: {r}
            </option>
          ))}
        </select>
        <select value={sinks} onChange={(e) => setSinks(e.target.value)} aria-label="sink rule">
          <option value="">no sinks</option>
          {SINK_RULES.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
        <button
          type="button"
          disabled={problems.length > 0}
          onClick={() =>
            actions.dispatch({
              type: 'setParams',
              patch: { customPolicies: [...custom, candidate], policies: [...policies, candidate.id] },
            })
          }
        >
          add
        </button>
      </div>
      {problems.length > 0 && (
        <ul className="problems">
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
    </details>
  );
}
