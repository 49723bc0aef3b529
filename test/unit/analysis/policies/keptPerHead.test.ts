import { describe, expect, it } from 'vitest';
import type { KeptSets } from '../../../../analysis/policies/keptSet';
import { keptPerHead } from '../../../../analysis/policies/keptPerHead';

const csr = (L: number, groups: number, sets: number[][]): KeptSets => {
  const offsets = new Int32Array(sets.length + 1);
  sets.forEach((s, i) => {
    offsets[i + 1] = offsets[i] + s.length;
  });
  return {
    L,
    groups,
    m: 10,
    k: Int32Array.from({ length: L }, (_, l) => sets[l * groups].length),
    window: new Int32Array(L),
    offsets,
    indices: Int32Array.from(sets.flat()),
  };
};

describe('keptPerHead', () => {
  it('splits per-KV-head sets by layer and head', () => {
    const out = keptPerHead(
      csr(2, 2, [
        [0, 3],
        [1, 2],
        [4, 9],
        [5, 8],
      ]),
      2,
    );
    expect(out.map((heads) => heads.map((h) => Array.from(h)))).toEqual([
      [
        [0, 3],
        [1, 2],
      ],
      [
        [4, 9],
        [5, 8],
      ],
    ]);
  });

  it('shares a layer-granularity set with every KV head, as copies', () => {
    const kept = csr(1, 1, [[2, 7, 9]]);
    const out = keptPerHead(kept, 3);
    expect(out[0].map((h) => Array.from(h))).toEqual([
      [2, 7, 9],
      [2, 7, 9],
      [2, 7, 9],
    ]);
    out[0][0][0] = 99;
    expect(kept.indices[0]).toBe(2);
  });
});
