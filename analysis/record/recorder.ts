/**
 * The recorder (DESIGN.md §4): image → vision → prompt embeds → prefill → greedy decode → one more
 * call feeding the last generated token, so the decode query rows are exactly [m, m+G)
 * (ALGORITHMS §0) → statistics. Staged progress, cancellation between every model call, and nothing
 * partial is ever returned as complete: a cancelled run throws CancelledError.
 */
import { createHash } from 'node:crypto';
import type { AttentionSpec, Stats } from '../attention/stats';
import { appVersion } from '../engine/appRoot';
import { BadInputError, CancelledError } from '../engine/errors';
import { imageTokenMixes } from '../attention/imageLayout';
import {
  argmax,
  embedTokens,
  emptyCache,
  encodeImage,
  logSoftmax,
  packImageFeatures,
  runDecoder,
} from '../model/decoder';
import { prepareImage } from '../model/image';
import type { LoadedModel } from '../model/loadedModel';
import { slidingWindows } from '../model/manifest';
import { renderPrompt } from '../model/prompt';
import type { Prefill } from '../model/policyDecode';
import { f16ToF32Array, f32ToF16Array, toF16Bits } from '../session/float16';
import type { Recording, TokenInfo } from './recording';

export type RunStage = 'preprocess' | 'vision' | 'prefill' | 'decode' | 'statistics';

export interface RunProgress {
  stage: RunStage;
  /** Overall fraction done, 0..1. */
  fraction: number;
  /** For decode: step i of at most N. */
  step?: number;
  total?: number;
}

export interface RecordOptions {
  image: Uint8Array;
  prompt: string;
  maxNewTokens: number;
  qkDtype?: 'f16' | 'f32';
  signal?: AbortSignal;
  onProgress?: (p: RunProgress) => void;
  /** Builds the statistics from per-layer queries/keys (the TypeScript builder or the ONNX probe). */
  buildStats: (
    spec: AttentionSpec,
    layout: { m: number; G: number; postVisionStart: number },
    getLayer: (l: number) => { queries: Float32Array; keys: Float32Array },
  ) => Promise<Stats> | Stats;
}

export interface RecordResult {
  recording: Recording;
  /** The full-cache prefill, kept so policies can be decoded without re-running it. */
  prefill: Prefill;
  unknownWords: string[];
}

/** Stage weights for the overall progress fraction (decode dominates on small models). */
const SPAN: Record<RunStage, [number, number]> = {
  preprocess: [0, 0.05],
  vision: [0.05, 0.15],
  prefill: [0.15, 0.35],
  decode: [0.35, 0.85],
  statistics: [0.85, 1],
};

export function attentionSpec(model: LoadedModel): AttentionSpec {
  const m = model.manifest;
  return {
    layers: m.layers,
    heads: m.heads,
    kvHeads: m.kvHeads,
    headDim: m.headDim,
    scale: m.attention.scale,
    softcap: m.attention.softcap,
    slidingWindow: slidingWindows(m),
  };
}

export async function record(model: LoadedModel, opts: RecordOptions): Promise<RecordResult> {
  const man = model.manifest;
  const { layers: L, heads: H, kvHeads: Hkv, headDim: D, vocabSize: vocab } = man;
  const timings: Record<string, number> = {};
  const progress = (stage: RunStage, within: number, extra: Partial<RunProgress> = {}) => {
    const [a, b] = SPAN[stage];
    opts.onProgress?.({ stage, fraction: a + (b - a) * within, ...extra });
  };
  const checkpoint = (what: string) => {
    if (opts.signal?.aborted) throw new CancelledError(what);
  };
  let t0 = performance.now();
  const lap = (name: string) => {
    const t = performance.now();
    timings[name] = t - t0;
    t0 = t;
  };

  if (!Number.isInteger(opts.maxNewTokens) || opts.maxNewTokens < 1) {
    throw new BadInputError(`max new tokens must be a positive integer, got ${opts.maxNewTokens}`);
  }
  progress('preprocess', 0);
  const { layout, img, pre, prefill } = await runPrefill(model, opts.image, opts.prompt, {
    afterPreprocess: () => {
      lap('preprocess');
      checkpoint('run');
      progress('vision', 0);
    },
    afterVision: () => {
      lap('vision');
      checkpoint('run');
      progress('prefill', 0);
    },
  });
  const m = prefill.m;
  // Generation stops at the context's end (the last decode row needs a position too).
  const maxNew = Math.min(opts.maxNewTokens, man.maxPositions - m);
  const prefillCache = prefill.cache;
  const lastRow = man.logitsLastOnly ? 0 : m - 1;
  const firstToken = prefill.firstToken;
  lap('prefill');
  checkpoint('run');

  // Greedy decode: y₀ from the prefill; each call feeds y_t at position m+t.
  const ids = [firstToken];
  const logprobRows: Float64Array[] = [logSoftmax(pre.logits, lastRow, vocab)];
  const decodeQueries: Float32Array[][] = [];
  let cache = prefillCache;
  const eos = man.tokens.eos;
  for (;;) {
    const done = ids[ids.length - 1] === eos || ids.length >= maxNew;
    progress('decode', Math.min(1, ids.length / maxNew), { step: ids.length, total: maxNew });
    checkpoint('run');
    const last = ids[ids.length - 1];
    const r = await runDecoder(model, {
      embeds: await embedTokens(model, [last]),
      n: 1,
      positions: [m + ids.length - 1],
      past: cache,
      withQueries: true,
    });
    cache = r.present;
    decodeQueries.push(r.queries);
    // The extra call after the last token only captures its query and key row.
    if (done) break;
    ids.push(argmax(r.logits, 0, vocab));
    logprobRows.push(logSoftmax(r.logits, 0, vocab));
  }
  const G = ids.length;
  lap('decode');

  // Queries [H, m+G, D] per layer from the prefill block and the G decode calls; keys from the final cache.
  const qkDtype = opts.qkDtype ?? 'f16';
  const n = m + G;
  const queries: Float32Array[] = [];
  const keys: Float32Array[] = [];
  for (let l = 0; l < L; l++) {
    const q = new Float32Array(H * n * D);
    for (let h = 0; h < H; h++) {
      q.set(pre.queries[l].subarray(h * m * D, (h + 1) * m * D), h * n * D);
      for (let t = 0; t < G; t++)
        q.set(decodeQueries[t][l].subarray(h * D, (h + 1) * D), (h * n + m + t) * D);
    }
    if (cache[l].length !== n)
      throw new Error(`layer ${l}: cache holds ${cache[l].length} keys, expected ${n}`);
    const k = Float32Array.from(cache[l].key);
    if (qkDtype === 'f16') {
      // Round to what a session stores, so statistics before and after saving are identical.
      f16ToF32Array(f32ToF16Array(q), q);
      f16ToF32Array(f32ToF16Array(k), k);
    }
    queries.push(q);
    keys.push(k);
  }
  const logprobs = new Uint16Array(G * vocab);
  logprobRows.forEach((row, t) => {
    for (let v = 0; v < vocab; v++) logprobs[t * vocab + v] = toF16Bits(row[v]);
  });

  progress('statistics', 0);
  checkpoint('run');
  const spec = attentionSpec(model);
  const stats = await opts.buildStats(spec, { m, G, postVisionStart: layout.postVisionStart }, (l) => ({
    queries: queries[l],
    keys: keys[l],
  }));
  lap('statistics');
  checkpoint('run');
  progress('statistics', 1);

  const genTokens: TokenInfo[] = ids.map((id) => ({
    id,
    text: model.tokenizer.tokenText(id),
    modality: 'generated',
  }));
  const textIds = ids[G - 1] === eos ? ids.slice(0, -1) : ids;
  const recording: Recording = {
    appVersion: appVersion(),
    createdAt: new Date().toISOString(),
    model: {
      name: man.name,
      family: man.family,
      hashes: man.hashes,
      kvDtype: man.kvDtype,
      imageGrid: {
        rows: man.image.layout.rows,
        cols: man.image.layout.cols,
        size: man.image.layout.kind === 'fixed' ? man.image.layout.size : man.image.layout.tileSize,
      },
    },
    prompt: opts.prompt.trim(),
    image: {
      png: img.png,
      sha256: createHash('sha256').update(img.png).digest('hex'),
      width: img.width,
      height: img.height,
      // Fixed layouts leave it out (one full-image tile of imageGrid), as sessions always did.
      ...(img.geometry.kind === 'anyres' ? { tiles: img.geometry.tileRects } : {}),
    },
    tokens: [...layout.tokens, ...genTokens],
    generation: {
      text: model.tokenizer.decode(textIds),
      ids,
      stoppedBy: ids[G - 1] === eos ? 'eos' : 'max-new-tokens',
    },
    provider: model.provider,
    timings,
    dims: { L, H, Hkv, D, m, G, vocab },
    spec,
    postVisionStart: layout.postVisionStart,
    qkDtype,
    queries,
    keys,
    logprobs,
    stats,
  };
  return { recording, prefill, unknownWords: layout.unknownWords };
}

/**
 * Preprocessing, vision and the full-cache prefill: the part of a run that decoding under a policy
 * starts from. Also used to rebuild the prefill of an opened session (same image, prompt and model
 * give the same cache).
 */
export async function runPrefill(
  model: LoadedModel,
  image: Uint8Array,
  prompt: string,
  hooks: { afterPreprocess?: () => void; afterVision?: () => void } = {},
) {
  const man = model.manifest;
  const img = await prepareImage(image, man);
  const layout = renderPrompt(man, model.tokenizer, prompt, img.geometry);
  const m = layout.ids.length;
  hooks.afterPreprocess?.();
  const vis = await encodeImage(model, img.pixels, img.size, img.tiles);
  const g = img.geometry;
  // Fixed: the features are the image tokens. Anyres: rows·cols features per tile, packed below.
  const expected = g.kind === 'fixed' ? layout.imageTokens : g.tiles * g.rows * g.cols;
  if (vis.count !== expected) {
    throw new Error(
      g.kind === 'fixed'
        ? `vision.onnx produced ${vis.count} image tokens; the manifest's layout has ${layout.imageTokens}`
        : `vision.onnx produced ${vis.count} features for ${g.tiles} tiles; the manifest's layout needs ${g.rows}×${g.cols} per tile (${expected})`,
    );
  }
  const embeds = await embedTokens(model, layout.ids);
  embeds.set(
    g.kind === 'fixed'
      ? vis.features
      : packImageFeatures(imageTokenMixes(g), vis.features, vis.newline, man.hidden),
    layout.imageStart * man.hidden,
  );
  hooks.afterVision?.();
  const pre = await runDecoder(model, {
    embeds,
    n: m,
    positions: Array.from({ length: m }, (_, i) => i),
    past: emptyCache(man.layers),
    withQueries: true,
  });
  const lastRow = man.logitsLastOnly ? 0 : m - 1;
  const prefill: Prefill = { m, cache: pre.present, firstToken: argmax(pre.logits, lastRow, man.vocabSize) };
  return { layout, img, pre, prefill };
}
