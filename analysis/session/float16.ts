/**
 * IEEE 754 binary16 ⇄ binary32 for the session file's f16 tensors. Node 20 has no Float16Array, so
 * f16 values travel as their bit patterns in a Uint16Array. Narrowing rounds to nearest, ties to
 * even, including into and out of the subnormal range; overflow gives ±∞; NaN stays NaN (quiet).
 * Widening is exact. Pure: typed arrays only, usable anywhere.
 */

const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

/** The f16 bits nearest to the f32 with bits `x` (rounding to nearest, ties to even). */
function f32BitsToF16Bits(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) {
    // Keep the payload's top bits; 0x200 keeps it a (quiet) NaN when they are all zero.
    return mant === 0 ? sign | 0x7c00 : sign | 0x7c00 | 0x200 | (mant >>> 13);
  }
  // Re-bias the exponent from 127 to 15.
  const e = exp - 112;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    // Below 2^-25 everything rounds to zero (2^-25 itself is a tie that goes to the even zero).
    if (e < -10) return sign;
    const m = mant | 0x800000;
    const shift = 14 - e;
    let r = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    // A carry out of the top subnormal gives 0x400, which is exactly the smallest normal.
    if (rem > half || (rem === half && (r & 1) === 1)) r++;
    return sign | r;
  }
  let r = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  // A carry out of the mantissa bumps the exponent, and from the largest finite value reaches ∞.
  if (rem > 0x1000 || (rem === 0x1000 && (r & 1) === 1)) r++;
  return sign | r;
}

/** The f16 bits nearest to `value` (first rounded to f32, the type the tensors hold). */
export function toF16Bits(value: number): number {
  scratchF32[0] = value;
  return f32BitsToF16Bits(scratchU32[0]);
}

/** The exact value of f16 bits `h`. */
export function fromF16Bits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return sign * f * 2 ** -24;
  if (e === 31) return f === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1024 + f) * 2 ** (e - 25);
}

/** True unless the f16 bits `h` are ±∞ or NaN. */
export function isF16Finite(h: number): boolean {
  return (h & 0x7c00) !== 0x7c00;
}

let widenTable: Float32Array | null = null;

/** All 65,536 widened values (256 KiB), built on first use: one lookup per element after that. */
function table(): Float32Array {
  if (widenTable) return widenTable;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) t[h] = fromF16Bits(h);
  widenTable = t;
  return t;
}

/** f32 values → f16 bits, element by element. */
export function f32ToF16Array(src: Float32Array, out = new Uint16Array(src.length)): Uint16Array {
  if (out.length !== src.length) throw new RangeError(`output length ${out.length} != input ${src.length}`);
  // Reading the bits through a Uint32Array view avoids a float store per element.
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  for (let i = 0; i < bits.length; i++) out[i] = f32BitsToF16Bits(bits[i]);
  return out;
}

/** f16 bits → f32 values, element by element (exact). */
export function f16ToF32Array(src: Uint16Array, out = new Float32Array(src.length)): Float32Array {
  if (out.length !== src.length) throw new RangeError(`output length ${out.length} != input ${src.length}`);
  const t = table();
  for (let i = 0; i < src.length; i++) out[i] = t[src[i]];
  return out;
}
