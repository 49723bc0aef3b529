import { describe, expect, it } from 'vitest';
import { keyNormScore } from '../../../../../analysis/policies/scorers/keyNorm';
import { exampleStats } from '../helpers/example';
import { makeStats } from '../helpers/stats';

describe('keyNorm scorer (K-norm)', () => {
  it('scores −‖K‖ per KV head, so the smallest norms rank first', () => {
    // ‖K‖ = 1 + j/8 on KV 0 and 2 − j/8 on KV 1 → scores −1, −1.125, … and −2, −1.875, ….
    const s = keyNormScore(exampleStats());
    for (let j = 0; j < 8; j++) {
      expect(s[j]).toBe(-(1 + j / 8));
      expect(s[8 + j]).toBe(-(2 - j / 8));
    }
  });

  it('sums the KV heads at layer granularity (here every key ties at −3)', () => {
    const s = keyNormScore(exampleStats(), 'layer');
    expect(Array.from(s.subarray(0, 8))).toEqual(new Array(8).fill(-3));
  });

  it('scores a zero key as +0, not −0', () => {
    const s = keyNormScore(makeStats({ dims: { L: 1, H: 1, Hkv: 1, D: 1, m: 2, G: 1 }, keyNorm: [0, 1] }));
    expect(Object.is(s[0], 0)).toBe(true);
  });
});
