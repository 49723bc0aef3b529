/**
 * How a layer is cut into probe chunks, what each chunk feeds the probe graph, and how the chunk's
 * outputs are folded back into a layer's Stats (pure: the runner only wraps these arrays into
 * onnxruntime tensors). A chunk is whole KV groups of query heads × a block of query rows aligned to
 * overview pixel rows (so every overview cell is computed inside one chunk) × the keys those rows can
 * see. Chunks are sized so heads·rows·keys ≤ maxEntries, which bounds the probe's memory: each
 * intermediate tensor of the graph is at most that many entries (bench/stats measured +25–40 MB RSS
 * for the whole build at the CPU default, bundled and LLaVA-1.6 scale alike).
 */
import { HIST_BINS, type Stats } from './stats';
import type { LayerTensors } from './layerTensors';
import { positionsOf } from './layerTensors';
import { slidingWindowOf } from './statsLayout';
import { firstVisibleKey } from './attentionRow';
import { LayerAccumulator, ROW_GROUPS, rowGroupOf } from './layerAccumulator';
import { overviewBlockOf, overviewBlockStarts, overviewHasData } from './overviewMap';
import { overviewOffset } from './statsIndex';
import { visibilityBias } from './probeAttention';
import type { ProbeHistogramMode } from './probeGraph';
import { InvalidLayoutError, ShapeError } from './errors';

/**
 * Default chunk size in logits: 2^19 keeps each f32 intermediate at 2 MB, near the CPU's caches
 * (bundled-model scale, 2 cores: 2^17–2^19 within 10 % of each other, 2^21 about 1.4× slower).
 */
export const DEFAULT_MAX_ENTRIES = 1 << 19;

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
  | { type: 'int32'; data: Int32Array; dims: number[] }
  | { type: 'int64'; data: BigInt64Array; dims: number[] };

/** The outputs of the probe graph for one chunk (names as in probeGraph.ts). */
export interface ProbeChunkOutputs {
  columnSums: Float32Array;
  /** u8 [heads, colBlocks, rowBlocks] (transposed): overview levels. */
  overview: Uint8Array;
  /** Histogram mode `scatter`: i32 [heads·3·162]. */
  histogram?: Int32Array;
  /** Histogram mode `bins`: u8 [heads, rows, keys]. */
  bins?: Uint8Array;
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
  /** Four interleaved 256-bin tallies for `countBins`. */
  private readonly binScratch = new Uint32Array(4 * 256);

  readonly histogram: ProbeHistogramMode;

  constructor(
    readonly stats: Stats,
    readonly layer: number,
    options: { maxEntries?: number; histogram?: ProbeHistogramMode } = {},
  ) {
    const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    this.histogram = options.histogram ?? 'scatter';
    if (!(maxEntries >= 1))
      throw new InvalidLayoutError(`maxEntries ${maxEntries} must be ≥ 1`, { maxEntries });
    const { m, G } = stats.dims;
    this.n = m + G;
    this.window = slidingWindowOf(stats.spec, layer);
    this.acc = new LayerAccumulator(stats, layer, { cellMax: false });
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

  /** The probe graph's inputs for one chunk (names and layouts as in probeGraph.ts). */
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
    const firstVisible = (q: number) => firstVisibleKey(q, this.window);
    const promptCols = new Float32Array(keys);
    promptCols.fill(1, 0, Math.max(0, Math.min(m, c.k1) - c.k0));
    const sets = this.acc.sets;
    const rowWeights = new Float32Array(sets.length * rows);
    sets.forEach((set, i) => {
      const lo = Math.max(set.start, c.r0) - c.r0;
      const hi = Math.min(set.end, c.r1) - c.r0;
      if (lo < hi) rowWeights.fill(1, i * rows + lo, i * rows + hi);
    });
    const feeds: Record<string, ProbeFeed> = {
      queries: {
        type: 'float32',
        data: sliceRows(tensors.queries, c.h0, heads, n, c.r0, c.r1, D),
        dims: [kvHeads, gs, rows, D],
      },
      keys: {
        type: 'float32',
        data: sliceRows(tensors.keys, c.h0 / gs, kvHeads, n, c.k0, c.k1, D),
        dims: [kvHeads, 1, keys, D],
      },
      bias: {
        type: 'float32',
        data: visibilityBias(c.r0, c.r1, c.k0, c.k1, firstVisible),
        dims: [rows, keys],
      },
      rowWeights: { type: 'float32', data: rowWeights, dims: [sets.length, rows] },
      promptCols: { type: 'float32', data: promptCols, dims: [keys, 1] },
      decodeFrom: {
        type: 'int64',
        // Never an empty slice (zero-sized tensors are not safe on every provider): a chunk without
        // decode rows passes its last row, and `add` ignores the recall set for it.
        data: BigInt64Array.of(BigInt(Math.min(rows - 1, Math.max(0, m - c.r0)))),
        dims: [1],
      },
      overviewRows: this.blockIndex(c.rb0, c.rb1, c.r0, c.r1),
      overviewCols: this.blockIndex(c.cb0, c.cb1, c.k0, c.k1),
    };
    if (this.histogram === 'scatter') {
      const v = this.stats.postVisionStart;
      const rowBase = new Int32Array(heads * rows);
      for (let hi = 0; hi < heads; hi++)
        for (let r = 0; r < rows; r++)
          rowBase[hi * rows + r] = (hi * ROW_GROUPS + rowGroupOf(c.r0 + r, v, m)) * HIST_BINS;
      feeds.rowBase = { type: 'int32', data: rowBase, dims: [kvHeads, gs, rows, 1] };
      feeds.histogramInit = {
        type: 'int32',
        data: new Int32Array(heads * ROW_GROUPS * HIST_BINS),
        dims: [heads * ROW_GROUPS * HIST_BINS],
      };
    }
    return feeds;
  }

  /**
   * i32 [blocks, width]: for overview blocks [b0, b1), the positions (relative to `lo`) each covers
   * within [lo, hi), padded to a common width by repeating the block's first position (a max is
   * unchanged by duplicates).
   */
  private blockIndex(b0: number, b1: number, lo: number, hi: number): ProbeFeed {
    const s = this.blockStarts;
    let width = 1;
    for (let b = b0; b < b1; b++) width = Math.max(width, Math.min(s[b + 1], hi) - Math.max(s[b], lo));
    const data = new Int32Array((b1 - b0) * width);
    for (let b = b0; b < b1; b++) {
      const first = Math.max(s[b], lo);
      const last = Math.min(s[b + 1], hi);
      for (let i = 0; i < width; i++)
        data[(b - b0) * width + i] = (first + i < last ? first + i : first) - lo;
    }
    return { type: 'int32', data, dims: [b1 - b0, width] };
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
    check('columnSums', out.columnSums.length, (heads / gs) * (S + 1) * keys);
    check('overview', out.overview.length, heads * rb * cb);
    const { histogram, bins } = out;
    if (bins) check('bins', bins.length, heads * (c.r1 - c.r0) * keys);
    else if (histogram) check('histogram', histogram.length, heads * ROW_GROUPS * HIST_BINS);
    else throw new ShapeError('probe output histogram or bins', heads * ROW_GROUPS * HIST_BINS, 0);
    const { sums, recall, counts } = this.acc;
    const { overview } = this.stats;
    const jEnd = Math.min(c.k1, m);
    // Without decode rows the recall set was computed from a prefill row (see `feeds`): skip it.
    const sets = c.r1 > m ? S + 1 : S;
    for (let gi = 0; gi < heads / gs; gi++) {
      const vOff = (c.h0 / gs + gi) * m;
      for (let s = 0; s < sets; s++) {
        const dst = s < S ? sums[s] : recall;
        const src = (gi * (S + 1) + s) * keys - c.k0;
        for (let j = c.k0; j < jEnd; j++) dst[vOff + j] += out.columnSums[src + j];
      }
    }
    for (let hi = 0; hi < heads; hi++) {
      const h = c.h0 + hi;
      const cOff = h * ROW_GROUPS * HIST_BINS;
      if (bins) {
        for (let q = c.r0; q < c.r1; q++) {
          const row = (hi * (c.r1 - c.r0) + q - c.r0) * keys - c.k0;
          countBins(bins, row + firstVisibleKey(q, this.window), row + q + 1, this.binScratch);
          if (q + 1 === c.r1 || rowGroupOf(q + 1, v, m) !== rowGroupOf(q, v, m)) {
            // Flush at the end of each row group (and of the chunk).
            const grp = cOff + rowGroupOf(q, v, m) * HIST_BINS;
            const sc = this.binScratch;
            for (let b = 0; b < HIST_BINS; b++) {
              counts[grp + b] += sc[b] + sc[256 + b] + sc[512 + b] + sc[768 + b];
            }
            sc.fill(0);
          }
        }
      } else if (histogram) {
        const hOff = hi * ROW_GROUPS * HIST_BINS;
        for (let i = 0; i < ROW_GROUPS * HIST_BINS; i++) counts[cOff + i] += histogram[hOff + i];
        // The graph binned the chunk's invisible entries into bin 0 of their row's group: take them out.
        for (let q = c.r0; q < c.r1; q++) {
          const visible = q + 1 - firstVisibleKey(q, this.window);
          counts[cOff + rowGroupOf(q, v, m) * HIST_BINS] -= keys - visible;
        }
      }
      // Every cell lies in one chunk (row chunks follow pixel rows; its visible keys are all here), so
      // its level is final; cells with no visible entry stay 0, "no data". The output is [cb, rb].
      const ov = overviewOffset(this.stats.dims, R, this.layer, h);
      for (let k = 0; k < cb; k++) {
        for (let i = 0; i < rb; i++) {
          const cell = (c.rb0 + i) * R + c.cb0 + k;
          if (this.hasData[cell]) overview[ov + cell] = out.overview[(hi * cb + k) * rb + i];
        }
      }
    }
  }

  /** Writes the layer into Stats (after every chunk has been added). */
  commit(tensors: LayerTensors): void {
    this.acc.commit(tensors);
  }
}

/**
 * Tallies bins[from..to) into four interleaved histograms: consecutive entries often share a bin, and
 * with one histogram each increment waits for the previous store (measured ~1.5× slower).
 */
function countBins(bins: Uint8Array, from: number, to: number, tally: Uint32Array): void {
  let i = from;
  for (; i + 3 < to; i += 4) {
    tally[bins[i]]++;
    tally[256 + bins[i + 1]]++;
    tally[512 + bins[i + 2]]++;
    tally[768 + bins[i + 3]]++;
  }
  for (; i < to; i++) tally[bins[i]]++;
}

/** [count, r1 − r0, D] copy of rows r0..r1 of heads h0..h0+count from a [heads, n, D] tensor. */
function sliceRows(t: Float32Array, h0: number, count: number, n: number, r0: number, r1: number, D: number) {
  // One head's consecutive rows, or whole rows of consecutive heads, are contiguous: no copy.
  if (count === 1 || (r0 === 0 && r1 === n))
    return t.subarray((h0 * n + r0) * D, ((h0 + count - 1) * n + r1) * D);
  const out = new Float32Array(count * (r1 - r0) * D);
  for (let i = 0; i < count; i++)
    out.set(t.subarray(((h0 + i) * n + r0) * D, ((h0 + i) * n + r1) * D), i * (r1 - r0) * D);
  return out;
}

function check(what: string, actual: number, expected: number): void {
  if (actual !== expected) throw new ShapeError(`probe output ${what}`, expected, actual);
}
