import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  base64ToBytes,
  bytesToBase64,
  decodeTyped,
  encodeTyped,
} from '../../../../analysis/engine/wireCodec';

describe('wire codec', () => {
  it('matches Node base64 on hand-picked and random bytes', () => {
    expect(bytesToBase64(new Uint8Array([]))).toBe('');
    expect(bytesToBase64(new Uint8Array([77]))).toBe('TQ==');
    expect(bytesToBase64(new Uint8Array([77, 97]))).toBe('TWE=');
    expect(bytesToBase64(new Uint8Array([77, 97, 110]))).toBe('TWFu');
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 70_000 }), (b) => {
        const s = bytesToBase64(b);
        expect(s).toBe(Buffer.from(b).toString('base64'));
        expect(base64ToBytes(s)).toEqual(b);
      }),
      { numRuns: 40 },
    );
  });

  it('encodes arrays larger than one internal chunk (regression: chunks must be whole base64 groups)', () => {
    for (const n of [32_767, 32_768, 32_769, 98_304, 100_001]) {
      const b = Uint8Array.from({ length: n }, (_, i) => (i * 7919) & 255);
      expect(bytesToBase64(b)).toBe(Buffer.from(b).toString('base64'));
    }
  });

  it('round-trips typed arrays nested in objects, including views at an offset', () => {
    const buf = new Float32Array([9, 1.5, -2, Number.NaN, 4]);
    const value = {
      a: buf.subarray(1, 4),
      b: [new Uint8Array([1, 2, 3]), new Uint32Array([7])],
      c: { d: 'x', e: 3 },
    };
    const back = decodeTyped(JSON.parse(JSON.stringify(encodeTyped(value)))) as typeof value;
    expect(back.a).toBeInstanceOf(Float32Array);
    expect(Array.from(back.a)).toEqual([1.5, -2, Number.NaN]);
    expect(back.b[0]).toEqual(new Uint8Array([1, 2, 3]));
    expect(back.b[1]).toEqual(new Uint32Array([7]));
    expect(back.c).toEqual({ d: 'x', e: 3 });
  });

  it('rejects malformed payloads', () => {
    expect(() => decodeTyped({ $typed: 'f32', b64: 'AAA' })).toThrow(/not a whole number/);
    expect(() => decodeTyped({ $typed: 'f99', b64: '' })).toThrow(/unknown typed array kind/);
    expect(() => base64ToBytes('@@@@')).toThrow(/invalid base64/);
  });
});
