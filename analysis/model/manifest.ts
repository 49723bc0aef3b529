/**
 * The model-package manifest (`model.json`, docs/model-package.md) as a zod schema. Validation reports
 * every problem at once as `path: message` strings, so a user fixing an exported package sees the
 * whole list rather than one error per attempt.
 */
import { z } from 'zod';
import { formatIssues } from '../engine/issues';

export const MODEL_FORMAT = 'vlcache-model/1';

const positiveInt = z.number().int().positive();
const sha256 = z.string().regex(/^sha256:[0-9a-f]{64}$/, 'expected "sha256:" followed by 64 hex digits');
const rgb = z.tuple([z.number(), z.number(), z.number()]);

const fixedLayout = z.object({
  kind: z.literal('fixed'),
  size: positiveInt,
  rows: positiveInt,
  cols: positiveInt,
});

// OneVision's anyres_max_N; a typo'd value must not silently mean "never downsample".
const maxTiles = z
  .number({ error: 'maxTiles must be a positive integer (anyres_max_N)' })
  .int({ error: 'maxTiles must be a positive integer (anyres_max_N)' })
  .positive({ error: 'maxTiles must be a positive integer (anyres_max_N)' });

// LLaVA-1.6 / LLaVA-NeXT, and LLaVA-OneVision with maxTiles (analysis/attention/imageLayout.ts).
// Strict: a layout field this version does not implement is refused rather than silently ignored.
const anyresLayout = z
  .object({
    kind: z.literal('anyres'),
    gridPinpoints: z.array(z.tuple([positiveInt, positiveInt])).min(1),
    tileSize: positiveInt,
    rows: positiveInt,
    cols: positiveInt,
    newline: z.boolean(),
    unpad: z.boolean(),
    maxTiles: maxTiles.optional(),
  })
  .strict()
  .superRefine((l, ctx) => {
    l.gridPinpoints.forEach(([h, w], i) => {
      if (h % l.tileSize !== 0 || w % l.tileSize !== 0)
        ctx.addIssue({
          code: 'custom',
          path: ['gridPinpoints', i],
          message: `${h}×${w} is not a multiple of tileSize (${l.tileSize})`,
        });
    });
  });

export const manifestSchema = z
  .object({
    format: z.literal(MODEL_FORMAT, { error: `unsupported format (this app reads ${MODEL_FORMAT})` }),
    name: z.string().min(1),
    family: z.string().min(1),
    layers: positiveInt,
    heads: positiveInt,
    kvHeads: positiveInt,
    headDim: positiveInt,
    hidden: positiveInt,
    vocabSize: positiveInt,
    maxPositions: positiveInt,
    ioDtype: z.enum(['f32', 'f16']),
    kvDtype: z.enum(['f32', 'f16', 'bf16']),
    attention: z.object({
      scale: z.number().positive(),
      slidingWindow: z.union([z.null(), positiveInt, z.array(z.union([z.null(), positiveInt]))]),
      softcap: z.union([z.null(), z.number().positive()]),
    }),
    positionIds: z.enum(['1d', 'mrope3']),
    logitsLastOnly: z.boolean(),
    image: z.object({
      resize: z.enum(['bilinear', 'bicubic', 'nearest']),
      mean: rgb,
      std: rgb.refine((s) => s.every((v) => v > 0), 'std must be positive'),
      layout: z.discriminatedUnion('kind', [fixedLayout, anyresLayout]),
    }),
    prompt: z.object({
      template: z.string().min(1),
      imagePlaceholder: z.string().min(1),
      promptPlaceholder: z.string().min(1),
    }),
    tokens: z.object({
      bos: z.union([z.null(), z.number().int().nonnegative()]),
      eos: z.number().int().nonnegative(),
      pad: z.number().int().nonnegative(),
      image: z.number().int().nonnegative(),
      unk: z.number().int().nonnegative(),
    }),
    files: z.object({
      tokenizer: z.string().min(1),
      vision: z.string().min(1),
      embed: z.string().min(1),
      decoder: z.string().min(1),
    }),
    hashes: z.record(z.string(), sha256),
  })
  .superRefine((m, ctx) => {
    if (m.heads % m.kvHeads !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['heads'],
        message: `heads (${m.heads}) is not a multiple of kvHeads (${m.kvHeads})`,
      });
    }
    const sw = m.attention.slidingWindow;
    if (Array.isArray(sw) && sw.length !== m.layers) {
      ctx.addIssue({
        code: 'custom',
        path: ['attention', 'slidingWindow'],
        message: `has ${sw.length} entries, expected one per layer (${m.layers})`,
      });
    }
    const count = (s: string, sub: string) => s.split(sub).length - 1;
    const { template, imagePlaceholder, promptPlaceholder } = m.prompt;
    if (count(template, imagePlaceholder) !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['prompt', 'template'],
        message: `must contain ${imagePlaceholder} exactly once`,
      });
    }
    if (count(template, promptPlaceholder) !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['prompt', 'template'],
        message: `must contain ${promptPlaceholder} exactly once`,
      });
    }
    for (const [key, file] of Object.entries(m.files)) {
      if (!(file in m.hashes))
        ctx.addIssue({ code: 'custom', path: ['hashes'], message: `no hash for ${key} file ${file}` });
      if (file.includes('/') || file.includes('\\') || file.startsWith('.')) {
        ctx.addIssue({
          code: 'custom',
          path: ['files', key],
          message: `must be a plain file name inside the package, got ${file}`,
        });
      }
    }
  });

export type ModelManifest = z.infer<typeof manifestSchema>;

export type ManifestCheck = { ok: true; manifest: ModelManifest } | { ok: false; errors: string[] };

export function validateManifest(json: unknown): ManifestCheck {
  const r = manifestSchema.safeParse(json);
  return r.success ? { ok: true, manifest: r.data } : { ok: false, errors: formatIssues(r.error) };
}

/** Per-layer sliding windows in the form the attention statistics take (null = full causal). */
export function slidingWindows(m: ModelManifest): (number | null)[] {
  const sw = m.attention.slidingWindow;
  return Array.isArray(sw) ? sw : Array.from({ length: m.layers }, () => sw);
}
