import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildStats } from '../../../../analysis/attention/buildStats';
import {
  headSparsity,
  layerSparsity,
  rowSetAvailable,
  sparseCount,
  sparsityProfile,
} from '../../../../analysis/attention/sparsity';
import { sparseCountDirect, sparsityDirect } from '../../../../analysis/attention/sparsityDirect';
import { EmptyRowSetError, InvalidThresholdError } from '../../../../analysis/attention/errors';
import { ROW_SETS } from '../../../../analysis/attention/stats';
import { rowSetRange } from '../../../../analysis/attention/statsLayout';
import { handLayout, handSpec, handTensors, m } from './handCase';

describe('sparsity γ(l, h, R, p) (ALGORITHMS §2) on the hand case', () => {
  const t = handTensors();
  const spec = handSpec();
  const stats = buildStats(spec, handLayout, () => t);

  it('matches the hand counts at e_150 = −0.5 and e_155 = −0.25', () => {
    // Head 0, prefill: the 23 entries with ratio 0.25 (x = −0.602) are below −0.5, of 36.
    expect(headSparsity(stats, 0, 0, 'prefill', 150)).toBe(23 / 36);
    expect(sparseCount(stats, 0, 0, 'prefill', 150)).toEqual({ sparse: 23, total: 36 });
    // At −0.25 the 5 entries with ratio 0.5 (x = −0.301) join them.
    expect(headSparsity(stats, 0, 0, 'prefill', 155)).toBe(28 / 36);
    // Uniform head 1: never sparse below e_160.
    expect(headSparsity(stats, 0, 1, 'prefill', 159)).toBe(0);
    // …and at e_160 = 0 nothing is below either (x = 0 is not < 0).
    expect(headSparsity(stats, 0, 1, 'prefill', 160)).toBe(0);
    // Head 3 (u²): prefill ratios 1/4 in 25 entries.
    expect(headSparsity(stats, 0, 3, 'prefill', 150)).toBe(25 / 36);
    // Post-vision rows 6, 7: head 0 → 11 of 15; decode rows 8, 9: head 0 → 15 of 19.
    expect(headSparsity(stats, 0, 0, 'postVision', 150)).toBe(11 / 15);
    expect(headSparsity(stats, 0, 0, 'decode', 150)).toBe(15 / 19);
    // Head 2's decode rows have ratios 1/3 (x = −0.477): sparse at e_151 = −0.45, not at e_150.
    expect(headSparsity(stats, 0, 2, 'decode', 150)).toBe(0);
    expect(headSparsity(stats, 0, 2, 'decode', 151)).toBe(13 / 19);
  });

  it('layer sparsity is the mean over query heads', () => {
    // Prefill at e_150: (23/36 + 0 + 0 + 25/36) / 4 = 1/3.
    expect(layerSparsity(stats, 0, 'prefill', 150)).toBeCloseTo(1 / 3, 15);
    // Post-vision at e_150: (11/15 + 0 + 0 + 11/15) / 4 = 11/30.
    expect(layerSparsity(stats, 0, 'postVision', 150)).toBeCloseTo(11 / 30, 15);
    expect(Array.from(sparsityProfile(stats, 'prefill', 155))).toEqual([
      (28 / 36 + 0 + 25 / 36 + 25 / 36) / 4,
    ]);
  });

  it('equals the direct count exactly, for every head, row set and edge', () => {
    for (let h = 0; h < 4; h++)
      for (const r of ROW_SETS)
        for (let k = 0; k <= 160; k += 1)
          expect(sparseCount(stats, 0, h, r, k)).toEqual(sparseCountDirect(spec, handLayout, t, 0, h, r, k));
    expect(sparsityDirect(spec, handLayout, t, 0, 0, 'prefill', 150)).toBe(23 / 36);
  });

  it('τ = 0: post-vision sparsity is unavailable (EmptyRowSetError), never NaN', () => {
    const layout = { ...handLayout, postVisionStart: m };
    const s = buildStats(spec, layout, () => t);
    expect(rowSetAvailable(s, 'postVision')).toBe(false);
    expect(rowSetAvailable(stats, 'postVision')).toBe(true);
    expect(rowSetAvailable(s, 'decode')).toBe(true);
    expect(() => headSparsity(s, 0, 0, 'postVision', 120)).toThrow(EmptyRowSetError);
    expect(() => layerSparsity(s, 0, 'postVision', 120)).toThrow(EmptyRowSetError);
    expect(() => sparsityDirect(spec, layout, t, 0, 0, 'postVision', 120)).toThrow(EmptyRowSetError);
    expect(layerSparsity(s, 0, 'prefill', 150)).toBeCloseTo(1 / 3, 15);
    try {
      headSparsity(s, 0, 0, 'postVision', 120);
    } catch (e) {
      expect((e as EmptyRowSetError).code).toBe('empty-row-set');
    }
  });

  it('rejects edge indices outside the grid', () => {
    expect(() => headSparsity(stats, 0, 0, 'prefill', 161)).toThrow(InvalidThresholdError);
  });
});

describe('sparsity properties on random attention', () => {
  it('histogram totals equal the visible-entry counts and hist sparsity equals the direct count', () => {
    fc.assert(
      fc.property(
        fc.record({
          m: fc.integer({ min: 1, max: 14 }),
          G: fc.integer({ min: 1, max: 4 }),
          vBack: fc.integer({ min: 0, max: 5 }),
          Hkv: fc.integer({ min: 1, max: 2 }),
          g: fc.integer({ min: 1, max: 3 }),
          window: fc.option(fc.integer({ min: 1, max: 8 })),
          softcap: fc.option(fc.double({ min: 0.5, max: 30, noNaN: true })),
          scale: fc.double({ min: 0.1, max: 4, noNaN: true }),
          seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
          k: fc.integer({ min: 0, max: 160 }),
        }),
        ({ m: mm, G, vBack, Hkv, g, window, softcap, scale, seed, k }) => {
          const D = 3;
          const H = Hkv * g;
          const n = mm + G;
          let s = seed;
          const rnd = () => {
            s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
            return s / 2 ** 32 - 0.5;
          };
          const tensors = {
            queries: Float32Array.from({ length: H * n * D }, () => rnd() * 6),
            keys: Float32Array.from({ length: Hkv * n * D }, () => rnd() * 6),
          };
          const sp = {
            layers: 1,
            heads: H,
            kvHeads: Hkv,
            headDim: D,
            scale,
            softcap,
            slidingWindow: [window],
          };
          const layout = { m: mm, G, postVisionStart: Math.max(0, mm - vBack) };
          const st = buildStats(sp, layout, () => tensors);
          for (let h = 0; h < H; h++)
            for (const r of ROW_SETS) {
              const [r0, r1] = rowSetRange(layout, r);
              let visible = 0;
              for (let q = r0; q < r1; q++)
                visible += q + 1 - (window === null ? 0 : Math.max(0, q - window + 1));
              const c = sparseCount(st, 0, h, r, k);
              expect(c.total).toBe(visible);
              expect(c).toEqual(sparseCountDirect(sp, layout, tensors, 0, h, r, k));
            }
        },
      ),
      { numRuns: 80 },
    );
  });
});
