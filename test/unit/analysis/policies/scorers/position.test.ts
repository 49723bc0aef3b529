import { describe, expect, it } from 'vitest';
import { positionScore } from '../../../../../analysis/policies/scorers/position';

describe('position scorer (StreamingLLM)', () => {
  it('puts the sinks first (+∞), then later positions higher', () => {
    const s = positionScore({ L: 1, H: 2, Hkv: 2, D: 1, m: 5, G: 1 }, { nSink: 2 });
    const row = [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, 2, 3, 4];
    expect(Array.from(s)).toEqual([...row, ...row]);
  });

  it('has no sinks with nSink = 0 and defaults to 4', () => {
    const dims = { L: 1, H: 1, Hkv: 1, D: 1, m: 6, G: 1 };
    expect(Array.from(positionScore(dims, { nSink: 0 }))).toEqual([0, 1, 2, 3, 4, 5]);
    expect(Array.from(positionScore(dims)).filter((x) => x === Number.POSITIVE_INFINITY).length).toBe(4);
  });
});
