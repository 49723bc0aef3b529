import { describe, expect, it } from 'vitest';
import { lastQueryScore } from '../../../../../analysis/policies/scorers/lastQuery';
import { exampleStats } from '../helpers/example';
import { expectClose } from '../helpers/expectClose';

describe('lastQuery scorer (TOVA)', () => {
  it('is the last prompt row, summed over the KV head’s query heads', () => {
    // Row 7, layer 0: head 0 peaks at key 4 (.3), head 1 at key 5 (.3), .1 elsewhere → KV 0:
    // [.2, .2, .2, .2, .4, .4, .2, .2]. Layer 1 (uniform, 1/8 per key, 2 heads): .25 everywhere.
    const s = lastQueryScore(exampleStats());
    expectClose(s, [0.2, 0.2, 0.2, 0.2, 0.4, 0.4, 0.2, 0.2], 6);
    for (let j = 0; j < 8; j++) expect(s[16 + j]).toBeCloseTo(0.25, 6);
  });
});
