import { describe, expect, it } from 'vitest';
import {
  f16ToF32Array,
  f32ToF16Array,
  fromF16Bits,
  isF16Finite,
  toF16Bits,
} from '../../../../analysis/session/float16';
import { mulberry32 } from '../../../helpers/syntheticRecording';

describe('toF16Bits / fromF16Bits on hand-computed cases', () => {
  it.each([
    // value, bits, value read back
    [1, 0x3c00, 1],
    [-2, 0xc000, -2],
    [65504, 0x7bff, 65504],
    // 65520 is the midpoint between 65504 (odd mantissa) and 2^16 (overflow): ties to even → ∞.
    [65520, 0x7c00, Number.POSITIVE_INFINITY],
    [65519.99, 0x7bff, 65504],
    [-65520, 0xfc00, Number.NEGATIVE_INFINITY],
    // 6e-8 / 2^-24 ≈ 1.007: the smallest subnormal.
    [6e-8, 0x0001, 2 ** -24],
    // 0.1 = 1.6 × 2^-4; the mantissa 0.6 × 1024 = 614.4 rounds to 614: 1638.4 → 1638 × 2^-14.
    [0.1, 0x2e66, 0.0999755859375],
    [2 ** -14, 0x0400, 2 ** -14],
    [1023 * 2 ** -24, 0x03ff, 1023 * 2 ** -24],
    // Halfway between 1 and 1 + 2^-10 → 1 (even); halfway between 1 + 2^-10 and 1 + 2^-9 → 1 + 2^-9.
    [1 + 2 ** -11, 0x3c00, 1],
    [1 + 3 * 2 ** -11, 0x3c02, 1 + 2 ** -9],
    // Subnormal ties: 2^-25 → 0 (even), 3·2^-25 → 2·2^-24 (even), just above 2^-25 → 2^-24.
    [2 ** -25, 0x0000, 0],
    [3 * 2 ** -25, 0x0002, 2 * 2 ** -24],
    [2 ** -25 * (1 + 2 ** -20), 0x0001, 2 ** -24],
    // Between the largest subnormal and 2^-14 exactly halfway: ties to even carries into the exponent.
    [2 ** -14 - 2 ** -25, 0x0400, 2 ** -14],
    [1e-9, 0x0000, 0],
    [-0, 0x8000, -0],
    [Number.POSITIVE_INFINITY, 0x7c00, Number.POSITIVE_INFINITY],
    [Number.NEGATIVE_INFINITY, 0xfc00, Number.NEGATIVE_INFINITY],
    [1e10, 0x7c00, Number.POSITIVE_INFINITY],
  ])('%d → 0x%s', (value, bits, back) => {
    expect(toF16Bits(value)).toBe(bits);
    expect(Object.is(fromF16Bits(bits), back)).toBe(true);
  });

  it('keeps NaN a NaN', () => {
    const bits = toF16Bits(Number.NaN);
    expect(bits & 0x7c00).toBe(0x7c00);
    expect(bits & 0x3ff).not.toBe(0);
    expect(fromF16Bits(bits)).toBeNaN();
    expect(isF16Finite(bits)).toBe(false);
    // A NaN whose payload sits only in the low f32 mantissa bits must not turn into ∞.
    const f = new Float32Array(new Uint32Array([0x7f800001]).buffer);
    expect(f32ToF16Array(f)[0] & 0x3ff).not.toBe(0);
  });

  it('tells finite bits from ∞ and NaN', () => {
    expect([0x0000, 0x7bff, 0xfbff, 0x0001].map(isF16Finite)).toEqual([true, true, true, true]);
    expect([0x7c00, 0xfc00, 0x7e00, 0xffff].map(isF16Finite)).toEqual([false, false, false, false]);
  });
});

describe('round trips and rounding against a brute-force reference', () => {
  it('every f16 bit pattern survives widening and narrowing', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const back = f32ToF16Array(f16ToF32Array(all));
    const wrong: number[] = [];
    for (let h = 0; h < 65536; h++) {
      const ok = isF16Finite(h) || (h & 0x3ff) === 0 ? back[h] === h : Number.isNaN(fromF16Bits(back[h]));
      if (!ok) wrong.push(h);
    }
    expect(wrong).toEqual([]);
  });

  it('narrowing picks the nearest f16 (ties to the even bit pattern)', () => {
    // Reference: every finite non-negative f16 value in increasing order, searched directly.
    const values: number[] = [];
    for (let h = 0; h < 0x7c00; h++) values.push(fromF16Bits(h));
    const reference = (x: number): number => {
      const a = Math.abs(x);
      const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
      // Beyond 65504 + half an ulp (16) everything overflows; at exactly 65520 the tie goes to ∞.
      if (a >= 65520) return sign | 0x7c00;
      let lo = 0;
      let hi = values.length - 1;
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (values[mid] <= a) lo = mid;
        else hi = mid;
      }
      const dl = a - values[lo];
      const dh = values[hi] - a;
      const pick = dl < dh ? lo : dh < dl ? hi : lo % 2 === 0 ? lo : hi;
      return sign | pick;
    };
    const rand = mulberry32(99);
    const src = new Float32Array(20000);
    for (let i = 0; i < src.length; i++) {
      // Log-uniform magnitudes over the whole f16 range and a little past both ends.
      const mag = 2 ** (-27 + 45 * rand());
      src[i] = rand() < 0.5 ? -mag : mag;
    }
    const bits = f32ToF16Array(src);
    const wrong = [...src.keys()].filter((i) => bits[i] !== reference(src[i])).map((i) => src[i]);
    expect(wrong).toEqual([]);
  });

  it('array conversions match the scalar ones, also on views with an offset', () => {
    const rand = mulberry32(3);
    const backing = new Float32Array(101).map(() => (rand() - 0.5) * 1000);
    const view = backing.subarray(1);
    const bits = f32ToF16Array(view);
    for (let i = 0; i < view.length; i++) expect(bits[i]).toBe(toF16Bits(view[i]));
    const wide = f16ToF32Array(bits);
    for (let i = 0; i < bits.length; i++) expect(wide[i]).toBe(fromF16Bits(bits[i]));
    expect(() => f32ToF16Array(view, new Uint16Array(3))).toThrow(/output length 3/);
  });
});
