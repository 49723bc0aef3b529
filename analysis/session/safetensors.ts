/**
 * A small reader and writer for the safetensors format (huggingface/safetensors), so sessions can be
 * read in Python with `safetensors.numpy`. Layout: an 8-byte little-endian header length N, N bytes
 * of JSON `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {string: string}}`,
 * then the raw little-endian tensor data, offsets relative to its start. Tensors are contiguous, do
 * not overlap and cover the data exactly — the reference implementation refuses anything else, and
 * so do we. The writer pads the header with spaces so the data starts 8-byte aligned, as it does.
 *
 * Typed arrays use the host's byte order; every platform Node and Electron ship for is little-endian.
 */
import { SafetensorsError } from './errors';

/** Bytes per element of each dtype name the format defines (F16 and BF16 travel as bit patterns). */
export const DTYPE_SIZES = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  U16: 2,
  I16: 2,
  F16: 2,
  BF16: 2,
  U32: 4,
  I32: 4,
  F32: 4,
  U64: 8,
  I64: 8,
  F64: 8,
} as const;

export type Dtype = keyof typeof DTYPE_SIZES;

/** The reference implementation's cap on the JSON header (100 MB), against absurd header lengths. */
export const MAX_HEADER_BYTES = 100_000_000;

export interface TensorInput {
  dtype: Dtype;
  shape: readonly number[];
  /** Exactly product(shape) × dtype size bytes, in element order. */
  data: ArrayBufferView;
}

export interface TensorEntry {
  dtype: Dtype;
  shape: number[];
  /** A view into the file's bytes (not a copy). */
  data: Uint8Array;
}

export interface SafetensorsFile {
  /** In file order (by data offset). */
  tensors: Map<string, TensorEntry>;
  metadata: Record<string, string>;
}

const isDtype = (d: unknown): d is Dtype => typeof d === 'string' && Object.hasOwn(DTYPE_SIZES, d);

function elementCount(name: string, shape: readonly unknown[]): number {
  let n = 1;
  for (const s of shape) {
    if (typeof s !== 'number' || !Number.isSafeInteger(s) || s < 0)
      throw new SafetensorsError(`tensor ${name}: bad dimension ${JSON.stringify(s)}`, {
        tensor: name,
        shape,
      });
    n *= s;
    if (!Number.isSafeInteger(n))
      throw new SafetensorsError(`tensor ${name}: shape [${shape.join(', ')}] is too large`, {
        tensor: name,
        shape,
      });
  }
  return n;
}

/** The byte size a tensor of this dtype and shape must have. */
export function tensorByteLength(name: string, dtype: Dtype, shape: readonly number[]): number {
  return elementCount(name, shape) * DTYPE_SIZES[dtype];
}

export interface SafetensorsPlan {
  /** The JSON header, space-padded so the data start 8-byte aligned. */
  header: Uint8Array;
  /** Total file size: 8 + header + data. */
  size: number;
  parts: Uint8Array[];
}

/**
 * Checks every tensor and lays the file out without copying any data, so callers can check the
 * size before anything large is allocated. Refuses a byte size that disagrees with dtype × shape.
 */
export function planSafetensors(
  tensors: Iterable<[string, TensorInput]>,
  metadata?: Record<string, string>,
): SafetensorsPlan {
  // No prototype, so a tensor named `__proto__` is an ordinary key like any other.
  const header: Record<string, unknown> = Object.create(null);
  if (metadata) header.__metadata__ = metadata;
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of tensors) {
    if (name === '__metadata__' || Object.hasOwn(header, name))
      throw new SafetensorsError(`tensor name ${name} is reserved or repeated`, { tensor: name });
    if (!isDtype(t.dtype))
      throw new SafetensorsError(`tensor ${name}: unknown dtype ${t.dtype}`, { tensor: name });
    const expected = tensorByteLength(name, t.dtype, t.shape);
    if (t.data.byteLength !== expected)
      throw new SafetensorsError(
        `tensor ${name}: ${t.data.byteLength} bytes for ${t.dtype} [${t.shape.join(', ')}], expected ${expected}`,
        { tensor: name, expected, actual: t.data.byteLength },
      );
    header[name] = { dtype: t.dtype, shape: [...t.shape], data_offsets: [offset, offset + expected] };
    parts.push(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    offset += expected;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = new Uint8Array(Math.ceil((8 + json.length) / 8) * 8 - 8).fill(0x20);
  padded.set(json);
  if (padded.length > MAX_HEADER_BYTES)
    throw new SafetensorsError(`header of ${padded.length} bytes is over ${MAX_HEADER_BYTES}`);
  return { header: padded, size: 8 + padded.length + offset, parts };
}

/** Serialises tensors in the given order (see `planSafetensors`). */
export function writeSafetensors(
  tensors: Iterable<[string, TensorInput]> | SafetensorsPlan,
  metadata?: Record<string, string>,
): Uint8Array {
  const plan = 'header' in tensors ? tensors : planSafetensors(tensors, metadata);
  const out = new Uint8Array(plan.size);
  const view = new DataView(out.buffer);
  view.setUint32(0, plan.header.length, true);
  view.setUint32(4, 0, true);
  out.set(plan.header, 8);
  let at = 8 + plan.header.length;
  for (const p of plan.parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Parses and validates the header; tensor data are views into `bytes`. Throws SafetensorsError naming
 * the tensor for any bad dtype, shape, offset, gap, overlap or size.
 */
export function readSafetensors(input: Uint8Array): SafetensorsFile {
  // A plain Uint8Array view, so tensor views behave the same when given a Node Buffer.
  const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  if (bytes.length < 8)
    throw new SafetensorsError(`file of ${bytes.length} bytes is shorter than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenLo = view.getUint32(0, true);
  const lenHi = view.getUint32(4, true);
  if (lenHi !== 0 || lenLo > MAX_HEADER_BYTES)
    throw new SafetensorsError(`header length ${lenHi * 2 ** 32 + lenLo} is over ${MAX_HEADER_BYTES} bytes`);
  if (8 + lenLo > bytes.length)
    throw new SafetensorsError(`header length ${lenLo} runs past the end of a ${bytes.length}-byte file`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + lenLo)));
  } catch (e) {
    throw new SafetensorsError(`header is not valid utf-8 json: ${(e as Error).message}`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    throw new SafetensorsError('header is not a json object');

  const dataStart = 8 + lenLo;
  const dataLength = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const found: { name: string; dtype: Dtype; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        throw new SafetensorsError('__metadata__ is not an object');
      for (const [k, v] of Object.entries(value)) {
        if (typeof v !== 'string') throw new SafetensorsError(`__metadata__.${k} is not a string`);
        metadata[k] = v;
      }
      continue;
    }
    found.push(parseEntry(name, value, dataLength));
  }

  // Sorted by offset the tensors must tile [0, dataLength) exactly: no gap, no overlap, no tail.
  found.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expectedBegin = 0;
  for (const t of found) {
    if (t.begin !== expectedBegin)
      throw new SafetensorsError(
        t.begin < expectedBegin
          ? `tensor ${t.name} overlaps the previous tensor (starts at ${t.begin}, previous ends at ${expectedBegin})`
          : `gap before tensor ${t.name} (starts at ${t.begin}, previous ends at ${expectedBegin})`,
        { tensor: t.name, begin: t.begin, expected: expectedBegin },
      );
    expectedBegin = t.end;
  }
  if (expectedBegin !== dataLength)
    throw new SafetensorsError(`tensors cover ${expectedBegin} of ${dataLength} data bytes`, {
      covered: expectedBegin,
      dataLength,
    });

  const tensors = new Map<string, TensorEntry>();
  for (const t of found)
    tensors.set(t.name, {
      dtype: t.dtype,
      shape: t.shape,
      data: bytes.subarray(dataStart + t.begin, dataStart + t.end),
    });
  return { tensors, metadata };
}

function parseEntry(name: string, value: unknown, dataLength: number) {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new SafetensorsError(`tensor ${name}: entry is not an object`, { tensor: name });
  const { dtype, shape, data_offsets: offsets, ...rest } = value as Record<string, unknown>;
  const extra = Object.keys(rest);
  if (extra.length > 0)
    throw new SafetensorsError(`tensor ${name}: unknown field ${extra[0]}`, {
      tensor: name,
      field: extra[0],
    });
  if (!isDtype(dtype))
    throw new SafetensorsError(`tensor ${name}: unknown dtype ${JSON.stringify(dtype)}`, {
      tensor: name,
      dtype,
    });
  if (!Array.isArray(shape))
    throw new SafetensorsError(`tensor ${name}: shape is not an array`, { tensor: name });
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o) => typeof o === 'number' && Number.isSafeInteger(o) && o >= 0)
  )
    throw new SafetensorsError(`tensor ${name}: data_offsets must be two non-negative integers`, {
      tensor: name,
      data_offsets: offsets,
    });
  const [begin, end] = offsets as [number, number];
  if (begin > end || end > dataLength)
    throw new SafetensorsError(`tensor ${name}: data_offsets [${begin}, ${end}] outside [0, ${dataLength}]`, {
      tensor: name,
      begin,
      end,
      dataLength,
    });
  const expected = tensorByteLength(name, dtype, shape as number[]);
  if (end - begin !== expected)
    throw new SafetensorsError(
      `tensor ${name}: ${end - begin} bytes for ${dtype} [${shape.join(', ')}], expected ${expected}`,
      { tensor: name, expected, actual: end - begin },
    );
  return { name, dtype, shape: shape as number[], begin, end };
}

/**
 * A copy of a tensor's data as the typed array of its dtype (F16/BF16 as bit patterns, BOOL as
 * bytes). Copying gives the array its own aligned buffer, whatever the tensor's offset in the file.
 */
export function tensorArray(t: TensorEntry) {
  // The constructor always copies; `slice` would not on a Node Buffer, whose slice is a view.
  const buf = new Uint8Array(t.data).buffer;
  switch (t.dtype) {
    case 'BOOL':
    case 'U8':
      return new Uint8Array(buf);
    case 'I8':
      return new Int8Array(buf);
    case 'U16':
    case 'F16':
    case 'BF16':
      return new Uint16Array(buf);
    case 'I16':
      return new Int16Array(buf);
    case 'U32':
      return new Uint32Array(buf);
    case 'I32':
      return new Int32Array(buf);
    case 'F32':
      return new Float32Array(buf);
    case 'U64':
      return new BigUint64Array(buf);
    case 'I64':
      return new BigInt64Array(buf);
    case 'F64':
      return new Float64Array(buf);
  }
}
