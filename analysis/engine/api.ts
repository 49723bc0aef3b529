/**
 * `EngineApi`: the one API that the Electron IPC bridge, browser mode's WebSocket and the CLI all
 * call (DESIGN.md §7). Each method is a row of `engineMethods` with zod schemas for its params and
 * result; transports validate both at every process boundary, and the method list doubles as the
 * channel allowlist. A new method is: a row here, its implementation in `engine.ts`.
 */
import { z } from 'zod';
import type { EvalResults } from '../eval/results';
import { checkEvalResults } from './evalResults';

const providerId = z.enum(['cpu', 'webgpu', 'cuda']);

export const providerStatusSchema = z.object({
  id: providerId,
  available: z.boolean(),
  reason: z.string().optional(),
});

export const modelInfoSchema = z.object({
  dir: z.string(),
  source: z.enum(['bundled', 'user']),
  ok: z.boolean(),
  name: z.string(),
  errors: z.array(z.string()),
  bytes: z.number().optional(),
  summary: z
    .object({
      family: z.string(),
      layers: z.number(),
      heads: z.number(),
      kvHeads: z.number(),
      hidden: z.number(),
      /** Image tokens of one tile (the whole image for a fixed layout). */
      imageTokens: z.number(),
      /** Most tiles an image can get: 1 for a fixed layout, 1 + the largest grid for anyres. */
      imageTiles: z.number().optional(),
    })
    .optional(),
});

export const versionSchema = z.object({
  app: z.string(),
  node: z.string(),
  onnxruntime: z.string(),
  platform: z.string(),
});

const noParams = z.object({}).strict();

// Typed arrays as their plain element types (any backing buffer), named in errors.
const typed = <T>(C: new (...a: never[]) => T, name: string) =>
  z.custom<T>((v) => v instanceof C, `expected a ${name}`);
const f32 = typed<Float32Array>(Float32Array, 'Float32Array');
const u8 = typed<Uint8Array>(Uint8Array, 'Uint8Array');
const u32 = typed<Uint32Array>(Uint32Array, 'Uint32Array');
const i32 = typed<Int32Array>(Int32Array, 'Int32Array');
const id = z.string().regex(/^[\w-]{1,64}$/, 'expected an id of letters, digits, - and _');
const modality = z.enum(['text-pre', 'image', 'text-mid', 'text-post', 'generated']);

export const tokenInfoSchema = z.object({
  id: z.number().int(),
  text: z.string(),
  modality,
  patch: z
    .object({
      imageIndex: z.number(),
      tile: z.number(),
      row: z.number(),
      col: z.number(),
      isNewline: z.boolean(),
    })
    .optional(),
});

const dimsSchema = z.object({
  L: z.number(),
  H: z.number(),
  Hkv: z.number(),
  D: z.number(),
  m: z.number(),
  G: z.number(),
  vocab: z.number(),
});
const specSchema = z.object({
  layers: z.number(),
  heads: z.number(),
  kvHeads: z.number(),
  headDim: z.number(),
  scale: z.number(),
  softcap: z.number().nullable(),
  slidingWindow: z.array(z.number().nullable()),
});

/** A recording without its tensors: what every view needs to lay itself out. */
export const recordingInfoSchema = z.object({
  recordingId: id,
  appVersion: z.string(),
  createdAt: z.string(),
  model: z.object({
    name: z.string(),
    family: z.string(),
    hashes: z.record(z.string(), z.string()),
    kvDtype: z.enum(['f32', 'f16', 'bf16']),
    imageGrid: z.object({ rows: z.number(), cols: z.number(), size: z.number() }),
  }),
  prompt: z.string(),
  image: z.object({
    png: u8,
    sha256: z.string(),
    width: z.number(),
    height: z.number(),
    /** Vision tiles on the image, normalised (anyres layouts; analysis/attention/imageLayout.ts). */
    tiles: z
      .array(
        z.object({
          x: z.number(),
          y: z.number(),
          w: z.number(),
          h: z.number(),
          rows: z.number(),
          cols: z.number(),
        }),
      )
      .optional(),
  }),
  tokens: z.array(tokenInfoSchema),
  generation: z.object({
    text: z.string(),
    ids: z.array(z.number()),
    stoppedBy: z.enum(['eos', 'max-new-tokens']),
  }),
  provider: providerId,
  timings: z.record(z.string(), z.number()),
  dims: dimsSchema,
  spec: specSchema,
  postVisionStart: z.number(),
  qkDtype: z.enum(['f16', 'f32']),
  /** Whether the engine can decode under a policy for this recording (its model is loaded). */
  canEvaluate: z.boolean(),
  unknownWords: z.array(z.string()),
});

/** Stats of analysis/attention/stats.ts without the overview maps (fetched per layer). */
export const statsSchema = z.object({
  dims: z.object({
    L: z.number(),
    H: z.number(),
    Hkv: z.number(),
    D: z.number(),
    m: z.number(),
    G: z.number(),
  }),
  spec: specSchema,
  postVisionStart: z.number(),
  hist: u32,
  postVision: f32,
  accumulated: f32,
  lastQuery: f32,
  keyNorm: f32,
  windowSums: z.record(z.string(), f32),
  recallW: f32,
  oracle: f32,
  overviewSize: z.number(),
  overview: u8,
});

const budgetSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('percent'), basisPoints: z.number().int().min(1).max(10000) }),
  z.object({ kind: z.literal('tokens'), perLayer: z.number().int().min(1) }),
]);

export const runProgressSchema = z.object({
  runId: id,
  stage: z.enum(['preprocess', 'vision', 'prefill', 'decode', 'statistics']),
  fraction: z.number(),
  step: z.number().optional(),
  total: z.number().optional(),
});

export const evalProgressSchema = z.object({
  evalId: id,
  /** preparing: reading the set and earlier results; then running, and one of the three ends. */
  stage: z.enum(['preparing', 'running', 'done', 'cancelled', 'failed']),
  /** Items with a result or a failure (earlier, resumed sessions included), of `total`. */
  done: z.number(),
  total: z.number(),
  /** Items reused from an earlier (cancelled) session of the same sweep. */
  reused: z.number().optional(),
  failed: z.number().optional(),
  /** Overall fraction, counting the part of each running item that is done. */
  fraction: z.number().optional(),
  /** Seconds left at this session's pace; null until it has one. */
  etaSeconds: z.number().nullable(),
  /** Why it failed (stage failed). */
  message: z.string().optional(),
});

/** A results object as a `vlcache eval` results file holds it, checked as the Evaluate view checks files. */
export const evalResultsSchema = z.custom<EvalResults>().superRefine((v, ctx) => {
  try {
    checkEvalResults(v);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
  }
});

export const engineMethods = {
  version: { params: noParams, result: versionSchema },
  listProviders: { params: noParams, result: z.array(providerStatusSchema) },
  listModels: { params: noParams, result: z.array(modelInfoSchema) },
  listSamples: {
    params: noParams,
    result: z.array(z.object({ image: z.string(), questions: z.array(z.string()) })),
  },
  getSample: { params: z.object({ name: z.string().max(200) }).strict(), result: z.object({ png: u8 }) },
  run: {
    params: z
      .object({
        runId: id,
        modelDir: z.string().min(1).max(4096),
        provider: z.enum(['auto', 'cpu', 'webgpu', 'cuda']),
        image: z.union([
          z.object({ bytes: u8 }).strict(),
          z.object({ sample: z.string().max(200) }).strict(),
        ]),
        prompt: z.string().max(20_000),
        maxNewTokens: z.number().int().min(1).max(4096),
      })
      .strict(),
    result: recordingInfoSchema,
  },
  cancelRun: { params: z.object({ runId: id }).strict(), result: z.object({ cancelled: z.boolean() }) },
  getStats: { params: z.object({ recordingId: id }).strict(), result: statsSchema },
  getTile: {
    params: z
      .object({
        recordingId: id,
        layer: z.number().int().min(0),
        head: z.union([z.number().int().min(0), z.literal('mean')]),
        rows: z.tuple([z.number().int().min(0), z.number().int().min(0)]),
        cols: z.tuple([z.number().int().min(0), z.number().int().min(0)]),
      })
      .strict(),
    result: z.object({ data: f32, rows: z.number(), cols: z.number() }),
  },
  /** Observation-window sums for a w the Stats do not hold (PyramidKV's budget-dependent window). */
  getWindowSums: {
    params: z.object({ recordingId: id, w: z.number().int().min(1).max(100_000) }).strict(),
    result: z.object({ w: z.number(), sums: f32 }),
  },
  evaluatePolicy: {
    params: z
      .object({
        recordingId: id,
        /** Kept prompt positions per layer and KV head (from the worker's policy math). */
        kept: z.array(z.array(i32)),
        mode: z.enum(['compact', 'keyBias']),
      })
      .strict(),
    result: z.object({
      ids: z.array(z.number()),
      text: z.string(),
      stoppedBy: z.enum(['eos', 'max-new-tokens']),
      exactMatch: z.boolean(),
      agreement: z.number(),
      firstDivergence: z.number().nullable(),
      meanKl: z.number().nullable(),
      top1Agreement: z.number().nullable(),
      keptTokens: z.number(),
      keptBytes: z.number(),
      fullBytes: z.number(),
    }),
  },
  exportSession: {
    params: z
      .object({
        recordingId: id,
        params: z.record(z.string(), z.unknown()),
        timeline: z.array(z.record(z.string(), z.unknown())),
      })
      .strict(),
    result: z.object({ bytes: u8, name: z.string() }),
  },
  importSession: {
    params: z.object({ bytes: u8 }).strict(),
    result: recordingInfoSchema.extend({
      params: z.record(z.string(), z.unknown()),
      timeline: z.array(z.record(z.string(), z.unknown())),
    }),
  },
  /**
   * Starts an eval sweep (analysis/eval/sweep.ts) in the background and returns at once; progress
   * comes as `evalProgress` events. The same sweep started again (same model, set and settings)
   * gets the same id and continues from its journal.
   */
  startEval: {
    params: z
      .object({
        modelDir: z.string().min(1).max(4096),
        /** An eval set folder: the bundled assets/eval (the default) or one allowed in-process. */
        setDir: z.string().min(1).max(4096).optional(),
        /** Preset ids, or 'all'. */
        policies: z.union([z.literal('all'), z.array(z.string().max(64)).max(64)]),
        /** Percentages (default 1, 2, 5, 10, 20, 40, 60, 80, 100). */
        budgets: z.array(z.number()).max(64).optional(),
        limit: z.number().int().min(1).optional(),
        /** Worker threads (default: the machine's cores). */
        workers: z.number().int().min(1).max(256).optional(),
      })
      .strict(),
    result: z.object({ evalId: id }),
  },
  cancelEval: { params: z.object({ evalId: id }).strict(), result: z.object({ cancelled: z.boolean() }) },
  /** The results of a finished sweep, in the shape of a results file. */
  getEvalResults: { params: z.object({ evalId: id }).strict(), result: evalResultsSchema },
  /** The image of one item of a sweep's eval set (to open it as a recording). */
  getEvalItemImage: {
    params: z
      .object({ evalId: id, key: z.string().regex(/^[0-9a-f]{64}$/, 'expected an item key') })
      .strict(),
    result: z.object({ png: u8 }),
  },
} as const;

/** Events the engine sends (name → payload schema). */
export const engineEvents = { runProgress: runProgressSchema, evalProgress: evalProgressSchema } as const;

export type EngineMethod = keyof typeof engineMethods;
export const ENGINE_METHODS = Object.keys(engineMethods) as EngineMethod[];
export type EngineParams<M extends EngineMethod> = z.input<(typeof engineMethods)[M]['params']>;
export type EngineResult<M extends EngineMethod> = z.output<(typeof engineMethods)[M]['result']>;

export type EngineApi = { [M in EngineMethod]: (params: EngineParams<M>) => Promise<EngineResult<M>> };

export type ProviderStatusInfo = z.infer<typeof providerStatusSchema>;
export type ModelInfo = z.infer<typeof modelInfoSchema>;
export type VersionInfo = z.infer<typeof versionSchema>;
export type RecordingInfo = z.infer<typeof recordingInfoSchema>;
export type StatsPayload = z.infer<typeof statsSchema>;
export type RunProgressEvent = z.infer<typeof runProgressSchema>;
export type EvalProgressEvent = z.infer<typeof evalProgressSchema>;
export type BudgetParam = z.infer<typeof budgetSchema>;
export { budgetSchema };

export function isEngineMethod(name: unknown): name is EngineMethod {
  return typeof name === 'string' && Object.hasOwn(engineMethods, name);
}
