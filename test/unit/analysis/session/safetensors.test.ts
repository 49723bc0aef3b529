import { describe, expect, it } from 'vitest';
import { SafetensorsError } from '../../../../analysis/session/errors';
import {
  planSafetensors,
  readSafetensors,
  type TensorInput,
  tensorArray,
  writeSafetensors,
} from '../../../../analysis/session/safetensors';

/** A safetensors file from a header object and raw data, built by hand (not by our writer). */
function handMade(
  header: unknown,
  data: Uint8Array = new Uint8Array(0),
  lengthOverride?: bigint,
): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, lengthOverride ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function expectError(fn: () => unknown, pattern: RegExp, tensor?: string): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SafetensorsError);
    expect((e as SafetensorsError).code).toBe('bad-safetensors');
    expect((e as Error).message).toMatch(pattern);
    if (tensor) expect(((e as SafetensorsError).details as { tensor?: string }).tensor).toBe(tensor);
    return;
  }
  throw new Error('expected a SafetensorsError');
}

describe('writeSafetensors', () => {
  it('writes the exact documented layout, padded with spaces to 8-byte alignment', () => {
    const bytes = writeSafetensors([['x', { dtype: 'U8', shape: [3], data: new Uint8Array([1, 2, 3]) }]]);
    const json = '{"x":{"dtype":"U8","shape":[3],"data_offsets":[0,3]}}';
    const padded = json + ' '.repeat(Math.ceil((8 + json.length) / 8) * 8 - 8 - json.length);
    const view = new DataView(bytes.buffer);
    expect(view.getBigUint64(0, true)).toBe(BigInt(padded.length));
    expect(new TextDecoder().decode(bytes.subarray(8, 8 + padded.length))).toBe(padded);
    expect([...bytes.subarray(8 + padded.length)]).toEqual([1, 2, 3]);
    expect((8 + padded.length) % 8).toBe(0);
  });

  it('round-trips every dtype the sessions use, with metadata, in order', () => {
    const f32 = new Float32Array([1.5, -2, 3.25, 1e-30]);
    const i64 = new BigInt64Array([-(2n ** 62n), 5n]);
    const tensors: [string, TensorInput][] = [
      ['a.f32', { dtype: 'F32', shape: [2, 2], data: f32 }],
      ['b.f16', { dtype: 'F16', shape: [3], data: new Uint16Array([0x3c00, 0xc000, 0x7bff]) }],
      ['c.u8', { dtype: 'U8', shape: [1, 2, 2], data: new Uint8Array([0, 1, 254, 255]) }],
      ['d.u32', { dtype: 'U32', shape: [2], data: new Uint32Array([0, 0xffffffff]) }],
      ['e.i32', { dtype: 'I32', shape: [2], data: new Int32Array([-1, 7]) }],
      ['f.i64', { dtype: 'I64', shape: [2], data: i64 }],
      ['g.empty', { dtype: 'F32', shape: [0, 4], data: new Float32Array(0) }],
      ['h.scalar', { dtype: 'F64', shape: [], data: new Float64Array([Math.PI]) }],
    ];
    const file = readSafetensors(writeSafetensors(tensors, { format: 'test/1' }));
    expect(file.metadata).toEqual({ format: 'test/1' });
    expect([...file.tensors.keys()]).toEqual(tensors.map((t) => t[0]));
    for (const [name, t] of tensors) {
      const got = file.tensors.get(name)!;
      expect(got.dtype).toBe(t.dtype);
      expect(got.shape).toEqual(t.shape);
      expect(tensorArray(got)).toEqual(t.data);
    }
  });

  it('copies tensors given as views with an offset', () => {
    const backing = new Float32Array([9, 1, 2, 3]);
    const file = readSafetensors(
      writeSafetensors([['v', { dtype: 'F32', shape: [3], data: backing.subarray(1) }]]),
    );
    expect(tensorArray(file.tensors.get('v')!)).toEqual(new Float32Array([1, 2, 3]));
  });

  it('treats __proto__ as an ordinary tensor name', () => {
    const file = readSafetensors(
      writeSafetensors([['__proto__', { dtype: 'U8', shape: [1], data: new Uint8Array([7]) }]]),
    );
    expect([...file.tensors.keys()]).toEqual(['__proto__']);
  });

  it('refuses a byte size that disagrees with dtype × shape, naming the tensor', () => {
    expectError(
      () => writeSafetensors([['q', { dtype: 'F32', shape: [2, 3], data: new Float32Array(5) }]]),
      /tensor q: 20 bytes for F32 \[2, 3\], expected 24/,
      'q',
    );
  });

  it('refuses repeated and reserved names', () => {
    const t = { dtype: 'U8', shape: [1], data: new Uint8Array(1) } as const;
    expectError(
      () =>
        writeSafetensors([
          ['a', t],
          ['a', t],
        ]),
      /tensor name a is reserved or repeated/,
      'a',
    );
    expectError(() => writeSafetensors([['__metadata__', t]]), /reserved or repeated/);
  });

  it('plans the size without copying', () => {
    const plan = planSafetensors([['a', { dtype: 'F32', shape: [1000], data: new Float32Array(1000) }]]);
    expect(plan.size).toBe(8 + plan.header.length + 4000);
    expect(writeSafetensors(plan).length).toBe(plan.size);
  });
});

describe('readSafetensors', () => {
  const two = {
    a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
    b: { dtype: 'I64', shape: [1, 1], data_offsets: [8, 16] },
  };
  const twoData = () => {
    const d = new Uint8Array(16);
    const v = new DataView(d.buffer);
    v.setFloat32(0, 0.5, true);
    v.setFloat32(4, -4, true);
    v.setBigInt64(8, -3n, true);
    return d;
  };

  it('reads a hand-built file, little-endian, tensors in any header order', () => {
    const file = readSafetensors(handMade({ b: two.b, __metadata__: { k: 'v' }, a: two.a }, twoData()));
    expect([...file.tensors.keys()]).toEqual(['a', 'b']);
    expect(tensorArray(file.tensors.get('a')!)).toEqual(new Float32Array([0.5, -4]));
    expect(tensorArray(file.tensors.get('b')!)).toEqual(new BigInt64Array([-3n]));
    expect(file.metadata).toEqual({ k: 'v' });
    // Views, not copies: the reader is lazy.
    expect(file.tensors.get('a')!.data.buffer).toBe(file.tensors.get('b')!.data.buffer);
  });

  it.each([
    ['fewer than 8 bytes', () => new Uint8Array(5), /shorter than the 8-byte header length/],
    ['a header length over 2^32', () => handMade({}, undefined, 2n ** 40n), /header length \d+ is over/],
    ['a header length over the cap', () => handMade({}, undefined, 200_000_000n), /is over 100000000 bytes/],
    ['a header past the end', () => handMade({}, undefined, 1000n), /header length 1000 runs past the end/],
    [
      'a header that is not json',
      () => {
        const b = handMade({ a: 1 });
        b[8] = 0x7b + 1;
        return b;
      },
      /header is not valid utf-8 json/,
    ],
    ['a header that is an array', () => handMade([1, 2]), /header is not a json object/],
    [
      'metadata that is not an object',
      () => handMade({ __metadata__: 'x' }),
      /__metadata__ is not an object/,
    ],
    [
      'metadata values that are not strings',
      () => handMade({ __metadata__: { n: 1 } }),
      /__metadata__.n is not a string/,
    ],
    [
      'tensors not covering the data',
      () => handMade({}, new Uint8Array(4)),
      /tensors cover 0 of 4 data bytes/,
    ],
  ])('refuses %s', (_, make, pattern) => {
    expectError(() => readSafetensors(make()), pattern);
  });

  it.each([
    ['an unknown dtype', { a: { ...two.a, dtype: 'F8' }, b: two.b }, /tensor a: unknown dtype "F8"/, 'a'],
    ['a negative dimension', { a: { ...two.a, shape: [-2] }, b: two.b }, /tensor a: bad dimension -2/, 'a'],
    [
      'a fractional dimension',
      { a: { ...two.a, shape: [1.5] }, b: two.b },
      /tensor a: bad dimension 1.5/,
      'a',
    ],
    [
      'a shape that is not an array',
      { a: { ...two.a, shape: 2 }, b: two.b },
      /tensor a: shape is not an array/,
      'a',
    ],
    [
      'offsets that are not a pair',
      { a: { ...two.a, data_offsets: [0] }, b: two.b },
      /tensor a: data_offsets must be/,
      'a',
    ],
    [
      'offsets past the data',
      { a: two.a, b: { ...two.b, data_offsets: [8, 24] } },
      /tensor b: data_offsets \[8, 24\] outside \[0, 16\]/,
      'b',
    ],
    [
      'reversed offsets',
      { a: { ...two.a, data_offsets: [8, 0] }, b: two.b },
      /tensor a: data_offsets \[8, 0\] outside/,
      'a',
    ],
    [
      'a size that disagrees with the shape',
      { a: { ...two.a, shape: [3] }, b: two.b },
      /tensor a: 8 bytes for F32 \[3\], expected 12/,
      'a',
    ],
    [
      'overlapping tensors',
      { a: { dtype: 'F32', shape: [3], data_offsets: [0, 12] }, b: { ...two.b, data_offsets: [8, 16] } },
      /tensor b overlaps the previous tensor/,
      'b',
    ],
    [
      'a gap between tensors',
      { a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: two.b },
      /gap before tensor b \(starts at 8, previous ends at 4\)/,
      'b',
    ],
    ['an unknown field', { a: { ...two.a, extra: 1 }, b: two.b }, /tensor a: unknown field extra/, 'a'],
    ['an entry that is not an object', { a: [1], b: two.b }, /tensor a: entry is not an object/, 'a'],
  ])('refuses %s, naming the tensor', (_, header, pattern, tensor) => {
    expectError(() => readSafetensors(handMade(header, twoData())), pattern, tensor);
  });
});

/**
 * Written by the reference implementation (Python `safetensors.numpy`, numpy 2.5, on the GPU machine):
 * save({"a": arange(6, f32).reshape(2, 3), "b": [1.5, -2, 65504] f16, "c": [[7]] i64,
 * "d": [1, 2, 255] u8, "e": [4e9] u32, "f": [-5] i32, "z": zeros((0, 3), f32)}, metadata={"k": "v"}).
 * It orders tensors by alignment, not by name, and gives the empty one the offset of the next.
 */
const REFERENCE_FILE =
  'oAEAAAAAAAB7Il9fbWV0YWRhdGFfXyI6eyJrIjoidiJ9LCJjIjp7ImR0eXBlIjoiSTY0Iiwic2hhcGUiOlsxLDFdLCJkYXRh' +
  'X29mZnNldHMiOlswLDhdfSwiYSI6eyJkdHlwZSI6IkYzMiIsInNoYXBlIjpbMiwzXSwiZGF0YV9vZmZzZXRzIjpbOCwzMl19' +
  'LCJ6Ijp7ImR0eXBlIjoiRjMyIiwic2hhcGUiOlswLDNdLCJkYXRhX29mZnNldHMiOlszMiwzMl19LCJlIjp7ImR0eXBlIjoi' +
  'VTMyIiwic2hhcGUiOlsxXSwiZGF0YV9vZmZzZXRzIjpbMzIsMzZdfSwiZiI6eyJkdHlwZSI6IkkzMiIsInNoYXBlIjpbMV0s' +
  'ImRhdGFfb2Zmc2V0cyI6WzM2LDQwXX0sImIiOnsiZHR5cGUiOiJGMTYiLCJzaGFwZSI6WzNdLCJkYXRhX29mZnNldHMiOls0' +
  'MCw0Nl19LCJkIjp7ImR0eXBlIjoiVTgiLCJzaGFwZSI6WzNdLCJkYXRhX29mZnNldHMiOls0Niw0OV19fSAgIAcAAAAAAAAA' +
  'AAAAAAAAgD8AAABAAABAQAAAgEAAAKBAAChr7vv///8APgDA/3sBAv8=';

describe('interoperability', () => {
  it('reads a file written by the reference implementation', () => {
    const file = readSafetensors(new Uint8Array(Buffer.from(REFERENCE_FILE, 'base64')));
    expect(file.metadata).toEqual({ k: 'v' });
    const got = Object.fromEntries(
      [...file.tensors].map(([k, t]) => [k, [t.dtype, t.shape, tensorArray(t)]]),
    );
    expect(got).toEqual({
      a: ['F32', [2, 3], new Float32Array([0, 1, 2, 3, 4, 5])],
      b: ['F16', [3], new Uint16Array([0x3e00, 0xc000, 0x7bff])],
      c: ['I64', [1, 1], new BigInt64Array([7n])],
      d: ['U8', [3], new Uint8Array([1, 2, 255])],
      e: ['U32', [1], new Uint32Array([4_000_000_000])],
      f: ['I32', [1], new Int32Array([-5])],
      z: ['F32', [0, 3], new Float32Array(0)],
    });
  });
});
