/**
 * The tensors of a session's `tensors.safetensors`, as the normative table of
 * docs/session-format.md states them: every name, dtype and shape follows from the manifest's `dims`,
 * `qkDtype` and `overviewSize`. Writing checks a Recording's arrays against that table; reading checks
 * the file against it — names, dtypes and shapes first, then finiteness — before any value is used.
 */
import { HIST_BINS, ROW_SETS, type Stats, WINDOW_SIZES } from '../attention/stats';
import type { Recording } from '../record/recording';
import { SessionFormatError } from './errors';
import { f16ToF32Array, f32ToF16Array, isF16Finite } from './float16';
import type { SessionDims } from './manifest';
import {
  DTYPE_SIZES,
  type Dtype,
  type SafetensorsFile,
  type TensorEntry,
  type TensorInput,
  tensorArray,
} from './safetensors';

export interface TensorSpec {
  name: string;
  dtype: Dtype;
  shape: number[];
}

export interface TensorLayout {
  dims: SessionDims;
  qkDtype: 'f16' | 'f32';
  overviewSize: number;
}

/** The per-(layer, KV head, prompt position) statistics stored as f32 [L, Hkv, m], by Stats field. */
const SCORE_TENSORS = {
  postVision: 'stats.score.postVision',
  accumulated: 'stats.score.accumulated',
  lastQuery: 'stats.score.lastQuery',
  keyNorm: 'stats.keyNorm',
  recallW: 'stats.recallW',
  oracle: 'stats.oracle',
} as const satisfies Partial<Record<keyof Stats, string>>;

type ScoreField = keyof typeof SCORE_TENSORS;
const SCORE_FIELDS = Object.keys(SCORE_TENSORS) as ScoreField[];

const WINDOW_PREFIX = 'stats.window.';
/** `stats.window.{w}` with w a positive integer written without leading zeros. */
const WINDOW_NAME = /^stats\.window\.([1-9][0-9]{0,6})$/;

/** The table: every tensor a session with these dims holds, in file order. */
export function sessionTensorSpecs(layout: TensorLayout, windows: readonly number[]): TensorSpec[] {
  const { L, H, Hkv, D, m, G, vocab } = layout.dims;
  const n = m + G;
  const R = layout.overviewSize;
  const qk: Dtype = layout.qkDtype === 'f16' ? 'F16' : 'F32';
  const specs: TensorSpec[] = [];
  for (let l = 0; l < L; l++) specs.push({ name: `queries.${l}`, dtype: qk, shape: [H, n, D] });
  for (let l = 0; l < L; l++) specs.push({ name: `keys.${l}`, dtype: qk, shape: [Hkv, n, D] });
  specs.push({ name: 'logprobs', dtype: 'F16', shape: [G, vocab] });
  specs.push({ name: 'stats.hist', dtype: 'U32', shape: [L, H, ROW_SETS.length, HIST_BINS] });
  for (const f of SCORE_FIELDS) specs.push({ name: SCORE_TENSORS[f], dtype: 'F32', shape: [L, Hkv, m] });
  for (const w of [...windows].sort((a, b) => a - b))
    specs.push({ name: `${WINDOW_PREFIX}${w}`, dtype: 'F32', shape: [L, Hkv, m] });
  specs.push({ name: 'stats.overview', dtype: 'U8', shape: [L, H, R, R] });
  return specs;
}

/** The array type a Recording holds each stored dtype in. */
const ARRAY_TYPES = { F32: Float32Array, F16: Uint16Array, U32: Uint32Array, U8: Uint8Array } as const;

const fmtShape = (s: readonly number[]) => `[${s.join(', ')}]`;
const product = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

function shapeError(name: string, expected: string, actual: string): SessionFormatError {
  return new SessionFormatError('tensor-shape', `tensor ${name}: expected ${expected}, got ${actual}`, {
    tensor: name,
    expected,
    actual,
  });
}

function nonFinite(name: string, index: number, value: number): SessionFormatError {
  return new SessionFormatError('non-finite', `tensor ${name} holds ${value} at element ${index}`, {
    tensor: name,
    index,
    value,
  });
}

function checkFiniteF32(name: string, a: Float32Array): void {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) throw nonFinite(name, i, a[i]);
}

function checkFiniteF16(name: string, bits: Uint16Array, allowNegInf = false): void {
  for (let i = 0; i < bits.length; i++)
    if (!isF16Finite(bits[i]) && !(allowNegInf && bits[i] === 0xfc00)) {
      const v = (bits[i] & 0x3ff) !== 0 ? Number.NaN : bits[i] & 0x8000 ? -Infinity : Infinity;
      throw nonFinite(name, i, v);
    }
}

function windowSizes(stats: Stats): number[] {
  return Object.keys(stats.windowSums).map((k) => {
    const w = Number(k);
    if (!WINDOW_NAME.test(`${WINDOW_PREFIX}${k}`))
      throw new SessionFormatError(
        'tensor-unknown',
        `window size ${JSON.stringify(k)} is not a positive integer`,
        {
          window: k,
        },
      );
    return w;
  });
}

function requireStandardWindows(windows: readonly number[]): void {
  for (const w of WINDOW_SIZES)
    if (!windows.includes(w))
      throw new SessionFormatError('tensor-missing', `tensor ${WINDOW_PREFIX}${w} is missing`, {
        tensor: `${WINDOW_PREFIX}${w}`,
      });
}

/**
 * The tensors to write for a recording, in table order, each checked against the table. Queries and
 * keys are narrowed to f16 when qkDtype is 'f16' (exact when the recorder already rounded them);
 * NaN or ±∞ in them or in any f32 statistic is refused, since the reader would refuse the file.
 */
export function recordingTensors(rec: Recording, overviewSize: number): [string, TensorInput][] {
  const windows = windowSizes(rec.stats);
  requireStandardWindows(windows);
  const specs = sessionTensorSpecs({ dims: rec.dims, qkDtype: rec.qkDtype, overviewSize }, windows);
  const f16 = rec.qkDtype === 'f16';
  const source = (name: string): Float32Array | Uint16Array | Uint32Array | Uint8Array | undefined => {
    const [head, index] = name.split('.');
    if (head === 'queries' || head === 'keys')
      return (head === 'queries' ? rec.queries : rec.keys)[Number(index)];
    if (name === 'logprobs') return rec.logprobs;
    if (name === 'stats.hist') return rec.stats.hist;
    if (name === 'stats.overview') return rec.stats.overview;
    if (name.startsWith(WINDOW_PREFIX)) return rec.stats.windowSums[Number(name.slice(WINDOW_PREFIX.length))];
    const field = SCORE_FIELDS.find((f) => SCORE_TENSORS[f] === name);
    return field ? rec.stats[field] : undefined;
  };
  for (const [list, what] of [
    [rec.queries, 'queries'],
    [rec.keys, 'keys'],
  ] as const)
    if (list.length !== rec.dims.L)
      throw new SessionFormatError(
        'tensor-shape',
        `${list.length} ${what} arrays for L = ${rec.dims.L} layers`,
        {
          tensor: what,
          expected: rec.dims.L,
          actual: list.length,
        },
      );

  return specs.map((spec): [string, TensorInput] => {
    const data = source(spec.name);
    if (!data)
      throw new SessionFormatError('tensor-missing', `tensor ${spec.name} is missing`, { tensor: spec.name });
    const isQk = spec.name.startsWith('queries.') || spec.name.startsWith('keys.');
    // Queries and keys are held as f32 whatever dtype they are stored in.
    const type = isQk ? Float32Array : ARRAY_TYPES[spec.dtype as keyof typeof ARRAY_TYPES];
    if (!(data instanceof type)) throw shapeError(spec.name, type.name, data.constructor.name);
    const elements = product(spec.shape);
    if (data.length !== elements) throw shapeError(spec.name, `${elements} elements`, `${data.length}`);
    if (isQk && f16) {
      const bits = f32ToF16Array(data as Float32Array);
      // A finite f32 beyond ±65504 becomes ∞ in f16: refused like any other non-finite value.
      checkFiniteF16(spec.name, bits);
      return [spec.name, { dtype: 'F16', shape: spec.shape, data: bits }];
    }
    if (data instanceof Float32Array) checkFiniteF32(spec.name, data);
    else if (spec.name === 'logprobs') checkFiniteF16(spec.name, data as Uint16Array, true);
    return [spec.name, { dtype: spec.dtype, shape: spec.shape, data }];
  });
}

export interface DecodedTensors {
  queries: Float32Array[];
  keys: Float32Array[];
  logprobs: Uint16Array;
  hist: Uint32Array;
  scores: Record<ScoreField, Float32Array>;
  windowSums: Record<number, Float32Array>;
  overview: Uint8Array;
}

/**
 * Checks the file's tensor set against the table (missing, unknown, dtype, shape), then copies the
 * data out, refusing NaN/±∞ in queries, keys and statistics (and NaN/+∞ in log-probabilities, where
 * −∞ is a legitimate underflow).
 */
export function decodeTensors(file: SafetensorsFile, layout: TensorLayout): DecodedTensors {
  const windows: number[] = [];
  for (const name of file.tensors.keys()) {
    const match = WINDOW_NAME.exec(name);
    if (match) windows.push(Number(match[1]));
  }
  requireStandardWindows(windows);
  const specs = sessionTensorSpecs(layout, windows);
  const known = new Set(specs.map((s) => s.name));
  for (const name of file.tensors.keys())
    if (!known.has(name))
      throw new SessionFormatError('tensor-unknown', `unknown tensor ${JSON.stringify(name)}`, {
        tensor: name,
      });
  const entries = new Map<string, TensorEntry>();
  for (const spec of specs) {
    const t = file.tensors.get(spec.name);
    if (!t)
      throw new SessionFormatError('tensor-missing', `tensor ${spec.name} is missing`, { tensor: spec.name });
    if (
      t.dtype !== spec.dtype ||
      t.shape.length !== spec.shape.length ||
      t.shape.some((s, i) => s !== spec.shape[i])
    )
      throw shapeError(spec.name, `${spec.dtype} ${fmtShape(spec.shape)}`, `${t.dtype} ${fmtShape(t.shape)}`);
    // Redundant with the safetensors reader's own size check, and kept: the byte count is what
    // every later view relies on.
    const bytes = product(spec.shape) * DTYPE_SIZES[spec.dtype];
    if (t.data.byteLength !== bytes)
      throw shapeError(spec.name, `${bytes} bytes`, `${t.data.byteLength} bytes`);
    entries.set(spec.name, t);
  }

  const f32 = (name: string): Float32Array => {
    const a = tensorArray(entries.get(name)!) as Float32Array;
    checkFiniteF32(name, a);
    return a;
  };
  const qk = (name: string): Float32Array => {
    if (layout.qkDtype === 'f32') return f32(name);
    const bits = tensorArray(entries.get(name)!) as Uint16Array;
    checkFiniteF16(name, bits);
    return f16ToF32Array(bits);
  };
  const { L } = layout.dims;
  const queries = Array.from({ length: L }, (_, l) => qk(`queries.${l}`));
  const keys = Array.from({ length: L }, (_, l) => qk(`keys.${l}`));
  const logprobs = tensorArray(entries.get('logprobs')!) as Uint16Array;
  checkFiniteF16('logprobs', logprobs, true);
  const scores = {} as Record<ScoreField, Float32Array>;
  for (const f of SCORE_FIELDS) scores[f] = f32(SCORE_TENSORS[f]);
  const windowSums: Record<number, Float32Array> = {};
  for (const w of windows.sort((a, b) => a - b)) windowSums[w] = f32(`${WINDOW_PREFIX}${w}`);
  return {
    queries,
    keys,
    logprobs,
    hist: tensorArray(entries.get('stats.hist')!) as Uint32Array,
    scores,
    windowSums,
    overview: tensorArray(entries.get('stats.overview')!) as Uint8Array,
  };
}
