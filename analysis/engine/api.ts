/**
 * `EngineApi`: the one API that the Electron IPC bridge, browser mode's WebSocket and the CLI all
 * call (DESIGN.md §7). Each method is a row of `engineMethods` with zod schemas for its params and
 * result; transports validate both at every process boundary, and the method list doubles as the
 * channel allowlist. A new method is: a row here, its implementation in `engine.ts`.
 */
import { z } from 'zod';

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
      imageTokens: z.number(),
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

export const engineMethods = {
  version: { params: noParams, result: versionSchema },
  listProviders: { params: noParams, result: z.array(providerStatusSchema) },
  listModels: { params: noParams, result: z.array(modelInfoSchema) },
} as const;

export type EngineMethod = keyof typeof engineMethods;
export const ENGINE_METHODS = Object.keys(engineMethods) as EngineMethod[];
export type EngineParams<M extends EngineMethod> = z.input<(typeof engineMethods)[M]['params']>;
export type EngineResult<M extends EngineMethod> = z.output<(typeof engineMethods)[M]['result']>;

export type EngineApi = { [M in EngineMethod]: (params: EngineParams<M>) => Promise<EngineResult<M>> };

export type ProviderStatusInfo = z.infer<typeof providerStatusSchema>;
export type ModelInfo = z.infer<typeof modelInfoSchema>;
export type VersionInfo = z.infer<typeof versionSchema>;

export function isEngineMethod(name: unknown): name is EngineMethod {
  return typeof name === 'string' && Object.hasOwn(engineMethods, name);
}
