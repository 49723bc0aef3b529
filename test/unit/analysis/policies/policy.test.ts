import { describe, expect, it } from 'vitest';
import { InvalidPolicyError } from '../../../../analysis/policies/errors';
import { type Policy, policyProblems, validatePolicy } from '../../../../analysis/policies/policy';
import { preset, resolvePolicy } from '../../../../analysis/policies/registry';
import { catchError } from './helpers/catchError';

const base: Policy = {
  id: 'custom',
  label: 'Custom',
  scorer: { id: 'keyNorm' },
  allocator: { id: 'pyramid' },
  window: { recent: 'allocator' },
  paper: null,
};

describe('policy compositions', () => {
  it('accepts any scorer with any allocator and window rules', () => {
    expect(validatePolicy(base)).toBe(base);
    expect(policyProblems({ ...base, scorer: { id: 'window', w: 16, k: 3, pool: 'max' } })).toEqual([]);
    expect(policyProblems({ ...base, allocator: { id: 'sparsityAware', mode: 'windowOutside' } })).toEqual(
      [],
    );
    expect(resolvePolicy(base)).toBe(base);
  });

  it('lists every problem at once', () => {
    const bad = {
      ...base,
      id: '',
      scorer: { id: 'window', w: 0, k: 4, pool: 'mean' },
      allocator: { id: 'uniform' },
      window: { recent: 'allocator', sinks: 'sometimes' },
    } as unknown as Policy;
    const problems = policyProblems(bad);
    expect(problems).toEqual([
      'missing id',
      "invalid window w: 0 (a whole number ≥ 1 or 'allocator')",
      'invalid pooling kernel: 4 (odd, ≥ 1)',
      'invalid pooling: mean (avg or max)',
      'invalid sink rule: sometimes (sinksPlusRecent, budgetMinusWindow)',
      "recent window 'allocator' needs an allocator with a window (pyramid, windowOutside)",
      'sink rules keep positions, not scores: use the position scorer, not window',
    ]);
    expect(() => validatePolicy(bad)).toThrow(InvalidPolicyError);
  });

  it('rejects unknown ids, bad parameters and impossible pairings', () => {
    expect(policyProblems({ ...base, scorer: { id: 'magic' } as never })).toEqual(['unknown scorer: magic']);
    expect(policyProblems({ ...base, allocator: { id: 'pyramid', beta: 0.5 } })).toEqual([
      'invalid pyramid beta: 0.5 (a number ≥ 1)',
    ]);
    expect(policyProblems({ ...base, scorer: null })).toEqual([
      'a policy without a scorer must use the full allocator',
    ]);
    expect(
      policyProblems({
        ...base,
        scorer: { id: 'window', w: 'allocator' },
        allocator: { id: 'uniform' },
        window: { recent: 'none' },
      }),
    ).toEqual(["window w = 'allocator' needs the pyramid allocator"]);
    expect(policyProblems({ ...base, scorer: { id: 'random', seed: -1 } })).toEqual([
      'invalid seed: -1 (an unsigned 32-bit integer)',
    ]);
    const e = catchError(
      () =>
        validatePolicy({
          ...base,
          allocator: { id: 'sparsityAware', mode: 'literal' as never },
          window: { recent: 'fraction' },
        }),
      InvalidPolicyError,
    );
    expect(e.code).toBe('invalid-policy');
    expect(e.details).toEqual({
      policy: 'custom',
      problems: ['invalid sparsityAware mode: literal (renormalize, paper-literal, windowOutside)'],
    });
  });

  it('resolves preset ids and rejects unknown ones', () => {
    expect(resolvePolicy('h2o').scorer).toEqual({ id: 'accumulated' });
    expect(() => preset('h3o')).toThrow(InvalidPolicyError);
  });
});
