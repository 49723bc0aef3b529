/**
 * A policy is a scorer × an allocator × window rules (ALGORITHMS §6; STYLE rule 4). Presets and the
 * user's custom compositions are the same plain, serialisable value; `validatePolicy` checks either.
 */
import { type AllocatorSpec, allocatorProblems } from './allocators/allocator';
import { InvalidPolicyError } from './errors';
import { type ScorerSpec, scorerProblems } from './scorers/scorer';
import { RECENT_RULES, SINK_RULES, type WindowRules } from './windowRules';

export interface PaperRef {
  title: string;
  url: string;
}

export interface Policy {
  /** Stable id (presets: kebab-case; compositions: any unique string). */
  id: string;
  label: string;
  /** null only for the Full-cache reference, which keeps everything. */
  scorer: ScorerSpec | null;
  allocator: AllocatorSpec;
  window: WindowRules;
  paper: PaperRef | null;
  /** What the preset stands for, in a sentence (shown in the UI and docs/policies.md). */
  note?: string;
}

/** Every problem with a policy at once (empty when it can run). */
export function policyProblems(p: Policy): string[] {
  const problems: string[] = [];
  if (typeof p?.id !== 'string' || p.id === '') problems.push('missing id');
  if (typeof p?.label !== 'string') problems.push('missing label');
  const allocator = p?.allocator;
  problems.push(...allocatorProblems(allocator));
  if (p?.scorer === null) {
    if (allocator?.id !== 'full') problems.push('a policy without a scorer must use the full allocator');
  } else {
    problems.push(...scorerProblems(p?.scorer));
  }
  const window = p?.window;
  if (!window || !RECENT_RULES.includes(window.recent))
    problems.push(`invalid recent-window rule: ${String(window?.recent)} (${RECENT_RULES.join(', ')})`);
  else {
    if (window.sinks !== undefined && !SINK_RULES.includes(window.sinks))
      problems.push(`invalid sink rule: ${String(window.sinks)} (${SINK_RULES.join(', ')})`);
    const hasAllocatorWindow =
      allocator?.id === 'pyramid' ||
      (allocator?.id === 'sparsityAware' && allocator.mode === 'windowOutside');
    if (window.recent === 'allocator' && !hasAllocatorWindow)
      problems.push(`recent window 'allocator' needs an allocator with a window (pyramid, windowOutside)`);
    if (window.sinks !== undefined && p?.scorer && p.scorer.id !== 'position')
      problems.push(`sink rules keep positions, not scores: use the position scorer, not ${p.scorer.id}`);
  }
  if (p?.scorer?.id === 'window' && p.scorer.w === 'allocator' && allocator?.id !== 'pyramid')
    problems.push(`window w = 'allocator' needs the pyramid allocator`);
  return problems;
}

export function validatePolicy(p: Policy): Policy {
  const problems = policyProblems(p);
  if (problems.length) throw new InvalidPolicyError(String(p?.id ?? '?'), problems);
  return p;
}

/** True when the policy needs post-vision statistics (and is unavailable without them). */
export function needsPostVision(p: Policy): boolean {
  return p.scorer?.id === 'postVision' || p.allocator.id === 'sparsityAware';
}
