/**
 * KV memory of the prompt cache (ALGORITHMS §7): full = L·m·Hkv·D·2·b bytes (keys and values; b =
 * bytes per element of the manifest's KV dtype), kept = Σ_l k_l·Hkv·D·2·b. Generated tokens are never
 * evicted and are not counted. Under grouped-query attention the cache is per KV head, so Hkv — not
 * H — is the multiplier. (With the `key_bias` decoding path nothing is actually freed; the UI says so.)
 */
import type { StatsDims } from '../../attention/stats';

export type KvDtype = 'f32' | 'f16' | 'bf16';

export const KV_DTYPE_BYTES: Record<KvDtype, number> = { f32: 4, f16: 2, bf16: 2 };

export interface KvMemory {
  fullBytes: number;
  keptBytes: number;
  /** Σ k_l / (L·m). */
  keptFraction: number;
  /** 100 · keptFraction. */
  keptPercent: number;
}

export function kvMemory(dims: StatsDims, kvDtype: KvDtype, k: Int32Array): KvMemory {
  const perToken = dims.Hkv * dims.D * 2 * KV_DTYPE_BYTES[kvDtype];
  let kept = 0;
  for (let l = 0; l < k.length; l++) kept += k[l];
  const keptFraction = kept / (dims.L * dims.m);
  return {
    fullBytes: dims.L * dims.m * perToken,
    keptBytes: kept * perToken,
    keptFraction,
    keptPercent: 100 * keptFraction,
  };
}
