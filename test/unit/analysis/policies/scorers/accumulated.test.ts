import { describe, expect, it } from 'vitest';
import { accumulatedScore } from '../../../../../analysis/policies/scorers/accumulated';
import { exampleStats } from '../helpers/example';
import { expectClose } from '../helpers/expectClose';

describe('accumulated scorer (H2O)', () => {
  it('sums every prefill row', () => {
    // Layer 0, KV 0: rows 0..5 are uniform, so key j gets Σ_{q=j}^{5} 1/(q+1) per head
    // (H₆ − H_j: 2.45, 1.45, 0.95, 0.61667, 0.36667, 0.16667, 0, 0), times 2 heads, plus the
    // post-vision sums [.4, .7, .4, .4, .9, .6, .4, .2] of rows 6 and 7.
    const s = accumulatedScore(exampleStats());
    const expected = [
      4.9 + 0.4,
      2.9 + 0.7,
      1.9 + 0.4,
      1.2333333 + 0.4,
      0.7333333 + 0.9,
      0.3333333 + 0.6,
      0.4,
      0.2,
    ];
    expectClose(s, expected, 5);
  });

  it('sums over KV heads at layer granularity', () => {
    const kv = accumulatedScore(exampleStats());
    const layer = accumulatedScore(exampleStats(), 'layer');
    for (let j = 0; j < 8; j++) expect(layer[8 + j]).toBeCloseTo(kv[16 + j] + kv[24 + j], 5);
  });
});
