/**
 * `manifest.json` and `timeline.json` of a `.vlcs` session (DESIGN.md §6, docs/session-format.md):
 * zod schemas, the format-version gate and the cross-field checks that make the manifest's `dims` a
 * description every tensor can be checked against. Unknown manifest fields are dropped, not refused,
 * so a later 1.x writer may add optional fields; anything incompatible bumps the format version.
 */
import { z } from 'zod';
import { overviewSize } from '../attention/overviewMap';
import { checkStatsLayout } from '../attention/statsLayout';
import { formatIssues } from '../engine/issues';
import { SessionFormatError } from './errors';

export const SESSION_FORMAT_NAME = 'vlcache-session';
export const SESSION_FORMAT_VERSION = 1;
export const SESSION_FORMAT = `${SESSION_FORMAT_NAME}/${SESSION_FORMAT_VERSION}` as const;

export const IMAGE_ENTRY = 'image.png';

const count = z.number().int().nonnegative();
// Caps far above any real model keep every tensor's element count an exact integer (< 2^53)
// and refuse absurd dims before any size is computed from them.
const dim = (max: number) => z.number().int().min(1).max(max);

export const dimsSchema = z.object({
  L: dim(1024),
  H: dim(1024),
  Hkv: dim(1024),
  D: dim(4096),
  m: dim(2 ** 21),
  G: dim(2 ** 21),
  vocab: dim(2 ** 22),
});

const specSchema = z.object({
  layers: dim(1024),
  heads: dim(1024),
  kvHeads: dim(1024),
  headDim: dim(4096),
  scale: z.number(),
  softcap: z.number().positive().nullable(),
  slidingWindow: z.array(z.number().int().min(1).nullable()),
});

const tokenSchema = z.object({
  id: count,
  text: z.string(),
  modality: z.enum(['text-pre', 'image', 'text-mid', 'text-post', 'generated']),
  patch: z
    .object({ imageIndex: count, tile: count, row: count, col: count, isNewline: z.boolean() })
    .optional(),
});

const isJsonObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export const manifestSchema = z.object({
  format: z.literal(SESSION_FORMAT),
  appVersion: z.string(),
  createdAt: z.string(),
  model: z.object({
    name: z.string(),
    family: z.string(),
    hashes: z.record(z.string(), z.string()),
    kvDtype: z.enum(['f32', 'f16', 'bf16']),
    imageGrid: z.object({ rows: count, cols: count, size: count }),
  }),
  prompt: z.string(),
  image: z.object({
    entry: z.literal(IMAGE_ENTRY),
    sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits'),
    width: dim(2 ** 20),
    height: dim(2 ** 20),
    /** Vision tiles on the image (anyres layouts); absent: one full-image tile of model.imageGrid. */
    tiles: z
      .array(
        z.object({
          x: z.number(),
          y: z.number(),
          w: z.number().positive(),
          h: z.number().positive(),
          rows: dim(4096),
          cols: dim(4096),
        }),
      )
      .min(1)
      .max(4096)
      .optional(),
  }),
  tokens: z.array(tokenSchema),
  generation: z.object({
    text: z.string(),
    ids: z.array(count),
    stoppedBy: z.enum(['eos', 'max-new-tokens']),
  }),
  provider: z.enum(['cpu', 'webgpu', 'cuda']),
  timings: z.record(z.string(), z.number()),
  qkDtype: z.enum(['f16', 'f32']),
  spec: specSchema,
  postVisionStart: count,
  dims: dimsSchema,
  /** The analysis parameters in force when saved: opaque here, kept as parsed (not rebuilt). */
  params: z.custom<Record<string, unknown>>(isJsonObject, 'expected a json object'),
  overviewSize: dim(4096),
});

export type SessionManifest = z.infer<typeof manifestSchema>;
export type SessionDims = z.infer<typeof dimsSchema>;

/**
 * One replay step (DESIGN.md §6): a time offset in milliseconds, the action (renderer
 * `stores/actionLog.ts`; any object with a string `type` is accepted, so new action kinds need no
 * format change), and for actions that needed the model, their stored result. Other fields the
 * action log keeps (such as `before`, for undo) pass through unchanged.
 */
export type TimelineEntry = {
  t: number;
  action: { type: string; [key: string]: unknown };
  result?: Record<string, unknown>;
  [key: string]: unknown;
};

export const timelineSchema = z.array(
  z.looseObject({
    t: z.number().nonnegative(),
    action: z.looseObject({ type: z.string().min(1) }),
    result: z.custom<Record<string, unknown>>(isJsonObject, 'expected a json object').optional(),
  }),
);

function schemaError(what: string, error: z.ZodError): SessionFormatError {
  const issues = formatIssues(error);
  return new SessionFormatError('schema', `invalid ${what}: ${issues.slice(0, 5).join('; ')}`, {
    entry: what,
    issues,
  });
}

/**
 * Reads the format field first, so a newer file is told apart from a broken one before its schema
 * (which this app does not know) is applied.
 */
export function checkFormatVersion(value: unknown): void {
  const format = isJsonObject(value) ? value.format : undefined;
  if (typeof format !== 'string')
    throw new SessionFormatError('schema', 'manifest.json has no format field', { entry: 'manifest.json' });
  const match = /^vlcache-session\/(\d+)$/.exec(format);
  if (!match)
    throw new SessionFormatError('schema', `unknown session format ${JSON.stringify(format)}`, { format });
  const version = Number(match[1]);
  if (version > SESSION_FORMAT_VERSION)
    throw new SessionFormatError(
      'newer-version',
      `session format ${format} is newer than this app reads (${SESSION_FORMAT}); update the app`,
      { format, supported: SESSION_FORMAT },
    );
  if (version < SESSION_FORMAT_VERSION)
    throw new SessionFormatError('schema', `unknown session format ${format}`, { format });
}

/** Validates a parsed manifest: version, schema, then every cross-field rule. */
export function parseManifest(value: unknown): SessionManifest {
  checkFormatVersion(value);
  const parsed = manifestSchema.safeParse(value);
  if (!parsed.success) throw schemaError('manifest.json', parsed.error);
  checkManifestConsistency(parsed.data);
  return parsed.data;
}

/** The rules zod cannot state field by field: dims against spec, layout, tokens and generation. */
export function checkManifestConsistency(man: SessionManifest): void {
  const { L, H, Hkv, D, m, G } = man.dims;
  const fail = (message: string, details?: unknown) => {
    throw new SessionFormatError('schema', `invalid manifest.json: ${message}`, details);
  };
  const { spec } = man;
  if (spec.layers !== L || spec.heads !== H || spec.kvHeads !== Hkv || spec.headDim !== D)
    fail(
      `spec (layers ${spec.layers}, heads ${spec.heads}, kvHeads ${spec.kvHeads}, headDim ${spec.headDim}) disagrees with dims (L ${L}, H ${H}, Hkv ${Hkv}, D ${D})`,
      { spec, dims: man.dims },
    );
  try {
    checkStatsLayout(spec, { m, G, postVisionStart: man.postVisionStart });
  } catch (e) {
    fail((e as Error).message, { spec, dims: man.dims, postVisionStart: man.postVisionStart });
  }
  if (man.tokens.length !== m + G)
    fail(`${man.tokens.length} tokens, expected m + G = ${m + G}`, { tokens: man.tokens.length, m, G });
  if (man.generation.ids.length !== G)
    fail(`${man.generation.ids.length} generated ids, expected G = ${G}`, {
      ids: man.generation.ids.length,
      G,
    });
  man.generation.ids.forEach((id, t) => {
    if (man.tokens[m + t].id !== id)
      fail(`generated id ${id} at step ${t} is not token ${m + t} (${man.tokens[m + t].id})`, { step: t });
  });
  const tiles = man.image.tiles;
  man.tokens.forEach((t, pos) => {
    const p = t.patch;
    if (!p || p.isNewline) return;
    const grid = tiles ? tiles[p.tile] : p.tile === 0 ? man.model.imageGrid : undefined;
    if (!grid || p.row >= grid.rows || p.col >= grid.cols)
      fail(`token ${pos}'s patch (tile ${p.tile}, row ${p.row}, col ${p.col}) is outside the image's tiles`, {
        position: pos,
      });
  });
  const R = overviewSize(m + G);
  if (man.overviewSize !== R)
    fail(`overviewSize ${man.overviewSize}, expected min(256, m + G) = ${R}`, {
      overviewSize: man.overviewSize,
    });
}

/** Validates a parsed timeline.json. */
export function parseTimeline(value: unknown): TimelineEntry[] {
  const parsed = timelineSchema.safeParse(value);
  if (!parsed.success) throw schemaError('timeline.json', parsed.error);
  return parsed.data as TimelineEntry[];
}
