import { expect } from 'vitest';

/** Element-wise toBeCloseTo over the first expected.length values, starting at `offset`. */
export function expectClose(actual: ArrayLike<number>, expected: number[], digits: number, offset = 0): void {
  expect(actual.length).toBeGreaterThanOrEqual(offset + expected.length);
  for (let i = 0; i < expected.length; i++) expect(actual[offset + i]).toBeCloseTo(expected[i], digits);
}
