import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import type { ModelManifest } from '../../../../analysis/model/manifest';
import { f32Data, ioTensor } from '../../../../analysis/model/ioTensor';

const f16 = { ioDtype: 'f16' } as ModelManifest;
const f32 = { ioDtype: 'f32' } as ModelManifest;

describe('ioTensor / f32Data', () => {
  it('passes f32 through unchanged', () => {
    const data = new Float32Array([1.1, -2, 3]);
    const t = ioTensor(f32, data, [1, 3]);
    expect(t.type).toBe('float32');
    expect(t.data).toBe(data);
    expect(f32Data(t)).toBe(data);
  });

  it('converts to f16 bits and back (exact for representable values, -Infinity kept)', () => {
    // 0.5, -2, 65504 (largest f16), -Infinity (an evicted key's bias), 1/3 (rounded to 0x3555)
    const t = ioTensor(f16, new Float32Array([0.5, -2, 65504, Number.NEGATIVE_INFINITY, 1 / 3]), [5]);
    expect(t.type).toBe('float16');
    expect(Array.from(t.data as Uint16Array)).toEqual([0x3800, 0xc000, 0x7bff, 0xfc00, 0x3555]);
    const back = f32Data(t);
    expect(Array.from(back.slice(0, 4))).toEqual([0.5, -2, 65504, Number.NEGATIVE_INFINITY]);
    expect(back[4]).toBeCloseTo(0.333251953125, 12);
  });

  it('refuses integer outputs with the type named', () => {
    const t = new ort.Tensor('int64', BigInt64Array.from([1n]), [1]);
    expect(() => f32Data(t)).toThrow(/float32 or float16.*int64/);
  });
});
