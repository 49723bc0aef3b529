/**
 * The Evaluate view's "Run sweep" form as plain functions: its text fields parsed and checked into
 * `startEval` params (or every problem named), and the progress read-out.
 */
import type { EngineParams, EvalProgressEvent } from '../../../../analysis/engine/api';

export const DEFAULT_BUDGETS_TEXT = '1, 2, 5, 10, 20, 40, 60, 80, 100';

export interface SweepFormValues {
  modelDir: string;
  /** 'all', or the preset ids ticked. */
  policies: 'all' | string[];
  budgets: string;
  /** Blank: every item of the set. */
  limit: string;
  /** Blank: the engine's cores. */
  workers: string;
}

/** `1, 2.5, 10%` → percentages, ascending and distinct; each in [0.01, 100] with at most two decimals. */
export function parseBudgetsText(text: string): { budgets: number[] } | { error: string } {
  const parts = text
    .split(/[,\s]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  if (parts.length === 0) return { error: 'budgets: give at least one percentage, e.g. 10' };
  const out = new Set<number>();
  for (const part of parts) {
    const t = part.replace(/%$/, '');
    const bp = Number(t) * 100;
    if (!/^\d+(\.\d+)?$/.test(t) || Math.abs(bp - Math.round(bp)) > 1e-6 || bp < 1 || bp > 10000)
      return { error: `budgets: ${part} is not a percentage in [0.01, 100] with at most two decimals` };
    out.add(Math.round(bp) / 100);
  }
  return { budgets: [...out].sort((a, b) => a - b) };
}

function optionalInt(text: string, name: string): { value?: number } | { error: string } {
  const t = text.trim();
  if (t === '') return {};
  const n = Number(t);
  if (!/^\d+$/.test(t) || !Number.isInteger(n) || n < 1)
    return { error: `${name} must be a positive whole number, got ${t}` };
  return { value: n };
}

/** The startEval params, or the list of what is wrong with the form. */
export function sweepParams(
  v: SweepFormValues,
): { params: EngineParams<'startEval'> } | { errors: string[] } {
  const errors: string[] = [];
  if (!v.modelDir) errors.push('choose a model');
  if (v.policies !== 'all' && v.policies.length === 0) errors.push('choose at least one policy, or all');
  const b = parseBudgetsText(v.budgets);
  if ('error' in b) errors.push(b.error);
  const limit = optionalInt(v.limit, 'item limit');
  if ('error' in limit) errors.push(limit.error);
  const workers = optionalInt(v.workers, 'workers');
  if ('error' in workers) errors.push(workers.error);
  if (errors.length || 'error' in b || 'error' in limit || 'error' in workers) return { errors };
  return {
    params: {
      modelDir: v.modelDir,
      policies: v.policies,
      budgets: b.budgets,
      ...(limit.value !== undefined ? { limit: limit.value } : {}),
      ...(workers.value !== undefined ? { workers: workers.value } : {}),
    },
  };
}

/** `12s`, `3m05s`, `1h02m`; a dash while there is no pace yet. */
export function etaLabel(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '–';
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.round(s)}s`;
}

/** The progress line: `3 / 10 items · 1 reused · ETA 42s`. */
export function progressLabel(p: EvalProgressEvent): string {
  const parts = [`${p.done} / ${p.total} items`];
  if (p.reused) parts.push(`${p.reused} reused`);
  if (p.failed) parts.push(`${p.failed} failed`);
  if (p.stage === 'running') parts.push(`ETA ${etaLabel(p.etaSeconds)}`);
  return parts.join(' · ');
}
