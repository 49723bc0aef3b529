/**
 * LiveAnalysis over a whole recording, for callers that hold its queries and keys (the CLI, the eval
 * runner, the engine): window sums that are not in the Stats (PyramidKV's budget-dependent w) are
 * computed from the tensors and handed over, so every policy comes back with kept sets.
 */
import { addWindowSums } from '../attention/addWindowSums';
import { BadInputError } from '../engine/errors';
import type { BudgetSpec } from '../policies/budget';
import { type AnalysisParams, LiveAnalysis, type LiveResults } from '../policies/liveAnalysis';
import type { Recording } from './recording';

export function recordingLayers(r: Recording) {
  return (l: number) => ({ queries: r.queries[l], keys: r.keys[l] });
}

export function liveAnalysisFor(r: Recording, params: Partial<AnalysisParams> = {}): LiveAnalysis {
  return new LiveAnalysis(r.stats, { kvDtype: r.model.kvDtype, params });
}

/** Results with every `missingWindow` policy resolved by computing its window sums. */
export function completeResults(
  r: Recording,
  live: LiveAnalysis,
  patch: Partial<AnalysisParams> = {},
): LiveResults {
  let res = Object.keys(patch).length ? live.update(patch) : live.results();
  for (;;) {
    const missing = res.policies.find((p) => p.status === 'missingWindow');
    if (missing?.status !== 'missingWindow') return res;
    live.addWindowSums(
      missing.missingWindow,
      addWindowSums(r.stats, recordingLayers(r), missing.missingWindow),
    );
    res = live.results();
  }
}

/** `10%`, `2.5%` → basis points; a bare integer N → N prompt tokens per layer (ALGORITHMS §4.0). */
export function parseBudget(text: string): BudgetSpec {
  const t = text.trim();
  const pct = t.match(/^(\d+(?:\.\d+)?)%$/);
  if (pct) {
    const bp = Math.round(Number(pct[1]) * 100);
    if (bp < 1 || bp > 10000) throw new BadInputError(`budget ${t} must be between 0.01% and 100%`);
    return { kind: 'percent', basisPoints: bp };
  }
  if (/^\d+$/.test(t) && Number(t) >= 1) return { kind: 'tokens', perLayer: Number(t) };
  throw new BadInputError(`budget ${t} is neither a percentage (10%) nor a number of tokens per layer`);
}
