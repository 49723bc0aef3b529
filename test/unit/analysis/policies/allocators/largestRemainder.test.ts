import { describe, expect, it } from 'vitest';
import { largestRemainder } from '../../../../../analysis/policies/allocators/largestRemainder';
import { AllocationError } from '../../../../../analysis/policies/errors';

describe('largest-remainder rounding (ALGORITHMS §4.4)', () => {
  it('adds the R left-over tokens to the largest fractional parts', () => {
    // x = [1.25, 2.75, 1.0]: floors [1, 2, 1] = 4, R = 5 − 4 = 1 → the .75 of layer 1.
    expect(Array.from(largestRemainder([1.25, 2.75, 1], 5, 10))).toEqual([1, 3, 1]);
  });

  it('breaks ties toward the lower layer', () => {
    // x = [1.5, 1.5, 1.5], T = 5: floors 3, R = 2 → layers 0 and 1.
    expect(Array.from(largestRemainder([1.5, 1.5, 1.5], 5, 10))).toEqual([2, 2, 1]);
  });

  it('never raises a layer past its upper bound', () => {
    // x = [2.875, 1.5, 0.25], T = 5, upper 2: layer 0 (.875) is at 2 already → layers 1 and 2.
    expect(Array.from(largestRemainder([2.875, 1.5, 0.25], 5, 2))).toEqual([2, 2, 1]);
  });

  it('raises AllocationError when the total cannot be reached', () => {
    expect(() => largestRemainder([1, 1], 10, 2)).toThrow(AllocationError);
    expect(() => largestRemainder([3, 3], 5, 8)).toThrow(AllocationError);
  });
});
