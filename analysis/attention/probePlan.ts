/**
 * How a layer is cut into probe chunks, what each chunk feeds the probe graph, and how the chunk's
 * outputs are folded back into a layer's Stats (pure: the runner only wraps these arrays into
 * onnxruntime tensors). A chunk is whole KV groups of query heads × a block of query rows aligned to
 * overview pixel rows (so every overview cell is computed inside one chunk) × the keys those rows can
 * see. Chunks are sized so heads·rows·keys ≤ maxEntries, which bounds the probe's memory: each
 * intermediate tensor of the graph is one of those entries wide (≈ 100 bytes per entry in all on CPU).
 */
import { HIST_BINS, type Stats } from './stats';
import type { LayerTensors } from './layerTensors';
import { positionsOf } from './layerTensors';
import { slidingWindowOf } from './statsLayout';
import { firstVisibleKey } from './attentionRow';
import { LayerAccumulator, ROW_GROUPS, rowGroupOf } from './layerAccumulator';
import { overviewBlockOf, overviewBlockStarts, overviewHasData } from './overviewMap';
import { InvalidLayoutError, ShapeError } from './errors';

/** Default chunk size in logits (2^22 ≈ 4.2 M: ~0.4 GB of intermediates on CPU). */
export const DEFAULT_MAX_ENTRIES = 1 << 22;

export interface ProbeChunk {
  /** Query heads [h0, h1): whole KV groups. */
  h0: number;
  h1: number;
  /** Query rows [r0, r1). */
  r0: number;
  r1: number;
  /** Keys [k0, k1): everything rows r0..r1 can see. */
  k0: number;
  k1: number;
  /** Overview pixel rows [rb0, rb1) (exactly the chunk's rows) and columns [cb0, cb1) met by the keys. */
  rb0: number;
  rb1: number;
  cb0: number;
  cb1: number;
}

export type ProbeFeed =
  | { type: 'float32'; data: Float32Array; dims: number[] }
  | { type: 'int64'; data: BigInt64Array; dims: number[] };

/** The outputs of the probe graph for one chunk (names as in `PROBE_OUTPUTS`). */
export interface ProbeChunkOutputs {
  columnSums: Float32Array;
  histogram: Int32Array;
  overview: Float32Array;
}

/** Collects one layer's probe outputs chunk by chunk and writes them into Stats. */
export class ProbeLayerAssembler {
  readonly chunks: ProbeChunk[];
  private readonly acc: LayerAccumulator;
  private readonly n: number;
  private readonly window: number | null;
  private readonly blockStarts: Int32Array;
  private readonly blockOf: Int32Array;
  private readonly hasData: Uint8Array;

  constructor(
    readonly stats: Stats,
    readonly layer: number,
    maxEntries = DEFAULT_MAX_ENTRIES,
  ) {
    if (!(maxEntries >= 1))
      throw new InvalidLayoutError(`maxEntries ${maxEntries} must be ≥ 1`, { maxEntries });
    const { m, G } = stats.dims;
    this.n = m + G;
    this.window = slidingWindowOf(stats.spec, layer);
    this.acc = new LayerAccumulator(stats, layer);
    const R = stats.overviewSize;
    this.blockStarts = overviewBlockStarts(this.n, R);
    this.blockOf = overviewBlockOf(this.n, R);
    this.hasData = overviewHasData(this.n, R, this.window);
    this.chunks = this.plan(maxEntries);
  }

  /** Entries (logits) a chunk holds. */
  static entries(c: ProbeChunk): number {
    return (c.h1 - c.h0) * (c.r1 - c.r0) * (c.k1 - c.k0);
  }

  private plan(maxEntries: number): ProbeChunk[] {
    const { H, Hkv } = this.stats.dims;
    const gs = H / Hkv;
    const R = this.stats.overviewSize;
    const s = this.blockStarts;
    const k0Of = (r0: number) => firstVisibleKey(r0, this.window);
    // Row chunks for one KV group: grow block by block while the chunk fits (at least one block).
    const rowChunks: [number, number][] = [];
    for (let b = 0; b < R; ) {
      let e = b + 1;
      while (e < R && gs * (s[e + 1] - s[b]) * (s[e + 1] - k0Of(s[b])) <= maxEntries) e++;
      rowChunks.push([b, e]);
      b = e;
    }
    // When a whole layer of one group fits, put several KV groups in a chunk.
    let groups = 1;
    if (rowChunks.length === 1) {
      const one = gs * this.n * this.n;
      groups = Math.max(1, Math.min(Hkv, Math.floor(maxEntries / one)));
    }
    const chunks: ProbeChunk[] = [];
    for (let g0 = 0; g0 < Hkv; g0 += groups) {
      const g1 = Math.min(Hkv, g0 + groups);
      for (const [rb0, rb1] of rowChunks) {
        const r0 = s[rb0];
        const r1 = s[rb1];
        const k0 = k0Of(r0);
        const k1 = r1;
        chunks.push({
          h0: g0 * gs,
          h1: g1 * gs,
          r0,
          r1,
          k0,
          k1,
          rb0,
          rb1,
          cb0: this.blockOf[k0],
          cb1: this.blockOf[k1 - 1] + 1,
        });
      }
    }
    return chunks;
  }

  /** The probe graph's inputs for one chunk. */
  feeds(tensors: LayerTensors, c: ProbeChunk): Record<string, ProbeFeed> {
    const { spec, dims } = this.stats;
    const n = this.n;
    positionsOf(spec, tensors, n);
    const { H, Hkv, D, m } = dims;
    const gs = H / Hkv;
    const rows = c.r1 - c.r0;
    const keys = c.k1 - c.k0;
    const heads = c.h1 - c.h0;
    const kvHeads = heads / gs;
    const queries = sliceRows(tensors.queries, c.h0, heads, n, c.r0, c.r1, D);
    const keyBlock = sliceRows(tensors.keys, c.h0 / gs, kvHeads, n, c.k0, c.k1, D);
    const queryPos = new BigInt64Array(rows);
    for (let r = 0; r < rows; r++) queryPos[r] = BigInt(c.r0 + r);
    const keyPos = new BigInt64Array(keys);
    for (let k = 0; k < keys; k++) keyPos[k] = BigInt(c.k0 + k);
    const sets = this.acc.sets;
    const rowWeights = new Float32Array(sets.length * rows);
    sets.forEach((set, i) => {
      for (let q = Math.max(set.start, c.r0); q < Math.min(set.end, c.r1); q++)
        rowWeights[i * rows + q - c.r0] = 1;
    });
    return {
      queries: { type: 'float32', data: queries, dims: [heads, rows, D] },
      keys: { type: 'float32', data: keyBlock, dims: [kvHeads, keys, D] },
      queryPos: { type: 'int64', data: queryPos, dims: [rows, 1] },
      keyPos: { type: 'int64', data: keyPos, dims: [1, keys] },
      // Without a sliding window any W ≥ n admits every earlier key.
      window: { type: 'int64', data: BigInt64Array.of(BigInt(this.window ?? n)), dims: [1] },
      promptLen: { type: 'int64', data: BigInt64Array.of(BigInt(m)), dims: [1] },
      postVisionStart: {
        type: 'int64',
        data: BigInt64Array.of(BigInt(this.stats.postVisionStart)),
        dims: [1],
      },
      rowWeights: { type: 'float32', data: rowWeights, dims: [sets.length, rows] },
      overviewCols: this.blockIndex(c.cb0, c.cb1, c.k0, c.k1),
      overviewRows: this.blockIndex(c.rb0, c.rb1, c.r0, c.r1),
    };
  }

  /**
   * i64 [blocks, width]: for overview blocks [b0, b1), the positions (relative to `lo`) each covers
   * within [lo, hi), padded to a common width by repeating the block's first position (a max is
   * unchanged by duplicates).
   */
  private blockIndex(b0: number, b1: number, lo: number, hi: number): ProbeFeed {
    const s = this.blockStarts;
    let width = 1;
    for (let b = b0; b < b1; b++) width = Math.max(width, Math.min(s[b + 1], hi) - Math.max(s[b], lo));
    const data = new BigInt64Array((b1 - b0) * width);
    for (let b = b0; b < b1; b++) {
      const first = Math.max(s[b], lo);
      const last = Math.min(s[b + 1], hi);
      for (let i = 0; i < width; i++)
        data[(b - b0) * width + i] = BigInt((first + i < last ? first + i : first) - lo);
    }
    return { type: 'int64', data, dims: [b1 - b0, width] };
  }

  /** Folds one chunk's outputs into the layer. */
  add(c: ProbeChunk, out: ProbeChunkOutputs): void {
    const { dims, postVisionStart: v } = this.stats;
    const { H, Hkv, m } = dims;
    const gs = H / Hkv;
    const R = this.stats.overviewSize;
    const heads = c.h1 - c.h0;
    const keys = c.k1 - c.k0;
    const S = this.acc.sets.length;
    const rb = c.rb1 - c.rb0;
    const cb = c.cb1 - c.cb0;
    check('columnSums', out.columnSums.length, heads * (S + 1) * keys);
    check('histogram', out.histogram.length, heads * ROW_GROUPS * HIST_BINS);
    check('overview', out.overview.length, heads * rb * cb);
    const { sums, recall, counts, cellMax } = this.acc;
    const jEnd = Math.min(c.k1, m);
    for (let hi = 0; hi < heads; hi++) {
      const h = c.h0 + hi;
      const vOff = Math.floor(h / gs) * m;
      for (let s = 0; s <= S; s++) {
        const dst = s < S ? sums[s] : recall;
        const src = (hi * (S + 1) + s) * keys - c.k0;
        for (let j = c.k0; j < jEnd; j++) dst[vOff + j] += out.columnSums[src + j];
      }
      const cOff = h * ROW_GROUPS * HIST_BINS;
      const hOff = hi * ROW_GROUPS * HIST_BINS;
      for (let i = 0; i < ROW_GROUPS * HIST_BINS; i++) counts[cOff + i] += out.histogram[hOff + i];
      // The graph binned the chunk's invisible entries into bin 0 of their row's group: take them out.
      for (let q = c.r0; q < c.r1; q++) {
        const visible = q + 1 - firstVisibleKey(q, this.window);
        counts[cOff + rowGroupOf(q, v, m) * HIST_BINS] -= keys - visible;
      }
      for (let i = 0; i < rb; i++) {
        for (let k = 0; k < cb; k++) {
          const cell = (c.rb0 + i) * R + c.cb0 + k;
          if (!this.hasData[cell]) continue;
          const a = out.overview[(hi * rb + i) * cb + k];
          const at = h * R * R + cell;
          if (a > cellMax[at]) cellMax[at] = a;
        }
      }
    }
  }

  /** Writes the layer into Stats (after every chunk has been added). */
  commit(tensors: LayerTensors): void {
    this.acc.commit(tensors);
  }
}

/** [count, r1 − r0, D] copy of rows r0..r1 of heads h0..h0+count from a [heads, n, D] tensor. */
function sliceRows(t: Float32Array, h0: number, count: number, n: number, r0: number, r1: number, D: number) {
  // Whole rows of consecutive heads are contiguous: no copy.
  if (r0 === 0 && r1 === n) return t.subarray(h0 * n * D, (h0 + count) * n * D);
  const out = new Float32Array(count * (r1 - r0) * D);
  for (let i = 0; i < count; i++)
    out.set(t.subarray(((h0 + i) * n + r0) * D, ((h0 + i) * n + r1) * D), i * (r1 - r0) * D);
  return out;
}

function check(what: string, actual: number, expected: number): void {
  if (actual !== expected) throw new ShapeError(`probe output ${what}`, expected, actual);
}
