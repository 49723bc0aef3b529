import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attentionRow, firstVisibleKey } from '../../../../analysis/attention/attentionRow';
import { InvalidRangeError, ShapeError } from '../../../../analysis/attention/errors';
import { handProb, handSpec, handTensors, n } from './handCase';

const close = (a: number, b: number) =>
  expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-6 + 1e-5 * Math.abs(b));

describe('attentionRow (ALGORITHMS §1)', () => {
  const spec = handSpec();
  const t = handTensors();

  it('gives the hand-computed probabilities for every head and row', () => {
    // Row 3 of head 0: w = 4, 1, 1, 2 over W_3 = 8 → 0.5, 0.125, 0.125, 0.25.
    const r = attentionRow(spec, t, 0, 0, 3);
    expect(r.start).toBe(0);
    [0.5, 0.125, 0.125, 0.25].forEach((p, j) => {
      close(r.values[j], p);
    });
    // Row 9 of head 3: u² = 1,1,4,1,1,1,4,1,9,1 over 24.
    const r3 = attentionRow(spec, t, 0, 3, 9);
    [1, 1, 4, 1, 1, 1, 4, 1, 9, 1].forEach((u2, j) => {
      close(r3.values[j], u2 / 24);
    });
    for (let h = 0; h < 4; h++)
      for (let q = 0; q < n; q++) {
        const row = attentionRow(spec, t, 0, h, q);
        expect(row.values.length).toBe(q + 1);
        for (let j = 0; j <= q; j++) close(row.values[j], handProb(h, q, j));
      }
  });

  it('uses KV head ⌊h/g⌋ for grouped-query heads', () => {
    // Heads 0 and 1 share KV head 0 (w); heads 2 and 3 share KV head 1 (u): head 2's row 2 is u/U_2.
    const r = attentionRow(spec, t, 0, 2, 2);
    [0.25, 0.25, 0.5].forEach((p, j) => {
      close(r.values[j], p);
    });
  });

  it('restricts keys to the sliding window q − W < j ≤ q', () => {
    const s = handSpec({ slidingWindow: [3] });
    expect(firstVisibleKey(5, 3)).toBe(3);
    expect(firstVisibleKey(1, 3)).toBe(0);
    expect(firstVisibleKey(5, null)).toBe(0);
    // Row 5 of head 0 sees keys 3..5 with w = 2, 1, 1 → 0.5, 0.25, 0.25 (the sink at 0 is gone).
    const r = attentionRow(s, t, 0, 0, 5);
    expect(r.start).toBe(3);
    expect(r.values.length).toBe(3);
    [0.5, 0.25, 0.25].forEach((p, j) => {
      close(r.values[j], p);
    });
    // Row 1 sees keys 0..1: 4/5, 1/5.
    const r1 = attentionRow(s, t, 0, 0, 1);
    [0.8, 0.2].forEach((p, j) => {
      close(r1.values[j], p);
    });
  });

  it('applies the softcap before the softmax', () => {
    // softcap 1: z = tanh(ln w) = (w² − 1)/(w² + 1): w = 4 → 15/17, w = 1 → 0, w = 2 → 3/5.
    const s = handSpec({ softcap: 1 });
    const r = attentionRow(s, t, 0, 0, 3);
    const e = [Math.exp(15 / 17), 1, 1, Math.exp(3 / 5)];
    const sum = e.reduce((a, b) => a + b);
    e.forEach((x, j) => {
      close(r.values[j], x / sum);
    });
  });

  it('applies the scale s to the logits', () => {
    // s = 2 squares the weights: row 3 of head 0 → 16, 1, 1, 4 over 22.
    const r = attentionRow(handSpec({ scale: 2 }), t, 0, 0, 3);
    [16, 1, 1, 4].forEach((w, j) => {
      close(r.values[j], w / 22);
    });
  });

  it('stays finite for logits far beyond exp range (max subtraction) and underflows to exact zeros', () => {
    const keys = new Float32Array([1000, 0, 0, 0]); // KV head 0 only, n = 2, D = 2
    const queries = new Float32Array([1, 0, 1, 0]);
    const s = { ...handSpec(), heads: 1, kvHeads: 1 };
    const r = attentionRow(s, { queries, keys }, 0, 0, 1);
    expect(Array.from(r.values)).toEqual([1, 0]);
  });

  it('rejects tensors of the wrong size and rows outside the matrix', () => {
    expect(() => attentionRow(spec, { queries: t.queries, keys: t.keys.subarray(1) }, 0, 0, 0)).toThrow(
      ShapeError,
    );
    expect(() => attentionRow(spec, t, 0, 0, n)).toThrow(InvalidRangeError);
    expect(() => attentionRow(spec, t, 0, 4, 0)).toThrow(InvalidRangeError);
  });

  it('property: every row sums to 1 and respects causality and the window', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 2 }),
        fc.option(fc.integer({ min: 1, max: 6 })),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (nn, Hkv, g, window, seed) => {
          const D = 4;
          const H = Hkv * g;
          let s = seed;
          const rnd = () => {
            s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
            return s / 2 ** 32 - 0.5;
          };
          const queries = Float32Array.from({ length: H * nn * D }, () => rnd() * 8);
          const keys = Float32Array.from({ length: Hkv * nn * D }, () => rnd() * 8);
          const sp = {
            ...handSpec(),
            heads: H,
            kvHeads: Hkv,
            headDim: D,
            scale: 0.5,
            slidingWindow: [window],
          };
          for (let h = 0; h < H; h++)
            for (let q = 0; q < nn; q++) {
              const r = attentionRow(sp, { queries, keys }, 0, h, q);
              expect(r.start).toBe(window === null ? 0 : Math.max(0, q - window + 1));
              expect(r.values.length).toBe(q + 1 - r.start);
              const sum = r.values.reduce((a, b) => a + b, 0);
              expect(Math.abs(sum - 1)).toBeLessThan(1e-6);
            }
        },
      ),
      { numRuns: 60 },
    );
  });
});
