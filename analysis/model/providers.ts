/**
 * Which onnxruntime execution providers work here. ORT does not fall back by itself (creating a
 * session with ['webgpu'] throws when there is no adapter), so each provider is tried for real on a
 * one-node model and an unavailable one is reported with the runtime's own reason.
 */
import * as ort from 'onnxruntime-node';
import { tinyAddModel } from './tinyGraph';

export const PROVIDERS = ['cpu', 'webgpu', 'cuda'] as const;
export type ProviderId = (typeof PROVIDERS)[number];
export type ProviderChoice = ProviderId | 'auto';

export interface ProviderStatus {
  id: ProviderId;
  available: boolean;
  /** Why it is unavailable, in the runtime's words (absent when available). */
  reason?: string;
}

/** GPU providers first: the order `auto` tries them in. */
export const AUTO_ORDER: ProviderId[] = ['webgpu', 'cuda', 'cpu'];

async function tryProvider(id: ProviderId, model: Uint8Array): Promise<ProviderStatus> {
  const backends = ort.listSupportedBackends?.() ?? [];
  const entry = backends.find((b) => b.name === id);
  if (id !== 'cpu' && entry && !entry.bundled) {
    return {
      id,
      available: false,
      reason: `the ${id} provider is not bundled with onnxruntime-node; install ORT's ${id} build to use it`,
    };
  }
  try {
    const session = await ort.InferenceSession.create(model, { executionProviders: [id] });
    try {
      const x = new ort.Tensor('float32', Float32Array.from([1, 2]), [2]);
      const out = await session.run({ X: x });
      const y = out.Y.data as Float32Array;
      if (y[0] !== 2 || y[1] !== 4)
        return { id, available: false, reason: `${id} returned wrong results on the probe model` };
    } finally {
      await session.release();
    }
    return { id, available: true };
  } catch (e) {
    return { id, available: false, reason: runtimeReason(id, e as Error) };
  }
}

/** The runtime's message without its source-file prefix, plus the one hint a user can act on. */
function runtimeReason(id: ProviderId, e: Error): string {
  const first = e.message.split('\n')[0];
  const reason = first.replace(/^\/\S+:\d+ .*? was false\. /, '').trim() || first;
  if (id === 'webgpu' && process.platform === 'linux' && /adapter/i.test(reason)) {
    return `${reason} (on Linux WebGPU needs a Vulkan loader, libvulkan1, and the GPU vendor's Vulkan driver)`;
  }
  return reason;
}

let cached: Promise<ProviderStatus[]> | undefined;

/** Probes each provider once per process; later calls return the same answer. */
export function listProviders(): Promise<ProviderStatus[]> {
  cached ??= (async () => {
    const model = tinyAddModel();
    const out: ProviderStatus[] = [];
    for (const id of PROVIDERS) out.push(await tryProvider(id, model));
    return out;
  })();
  return cached;
}

/** The providers to try, in order, for a user's choice (`auto`: GPU ones that work, then cpu). */
export async function providerCandidates(choice: ProviderChoice): Promise<ProviderId[]> {
  if (choice !== 'auto') return [choice];
  const status = await listProviders();
  return AUTO_ORDER.filter((id) => id === 'cpu' || status.find((s) => s.id === id)?.available);
}
