import { describe, expect, it } from 'vitest';
import { uniformAllocation } from '../../../../../analysis/policies/allocators/uniform';

describe('uniform allocator', () => {
  it('gives ⌊T/L⌋ to every layer and the remainder to the first layers', () => {
    // T = 7, L = 3: ⌊7/3⌋ = 2, 7 mod 3 = 1 → [3, 2, 2].
    expect(Array.from(uniformAllocation(7, 3))).toEqual([3, 2, 2]);
    expect(Array.from(uniformAllocation(6, 3))).toEqual([2, 2, 2]);
    // T = L: one token each.
    expect(Array.from(uniformAllocation(4, 4))).toEqual([1, 1, 1, 1]);
  });
});
