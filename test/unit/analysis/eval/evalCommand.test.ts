import { describe, expect, it } from 'vitest';
import { parseBudgetList } from '../../../../analysis/cli/commands/eval';
import { UsageError } from '../../../../analysis/cli/args';

describe('vlcache eval --budgets', () => {
  it('reads percentages into sorted, distinct basis points', () => {
    expect(parseBudgetList('10,1,2.5%, 100,10')).toEqual([100, 250, 1000, 10000]);
    expect(parseBudgetList('0.01')).toEqual([1]);
  });

  it.each(['0', '101', '1.234', 'ten', '', '5,,10', '-5'])('rejects %j', (text) => {
    expect(() => parseBudgetList(text)).toThrow(UsageError);
  });
});
