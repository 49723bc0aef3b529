/**
 * Decoding under a policy's kept sets (ALGORITHMS §0, §7): eviction happens after the full prefill,
 * so y₀ comes from the full-cache prefill and the policy acts from y₁ on. Two exact paths:
 * - `compact`: each layer's cache physically holds only its kept prompt tokens (per KV head), so
 *   layers have different lengths — the memory the policy would really save;
 * - `keyBias`: the full cache stays and evicted tokens get −∞ on the logits (same tokens, no saving).
 * A test holds the two paths to identical outputs.
 */
import { argmax, type DecoderResult, type LayerCache, runDecoder, embedTokens } from './decoder';
import type { LoadedModel } from './loadedModel';

export type EvictionMode = 'compact' | 'keyBias';

export interface Prefill {
  /** Prompt length. */
  m: number;
  /** Full-cache per-layer K/V after prefill, each of length m. */
  cache: LayerCache[];
  /** y₀: argmax of the prefill's last logits. */
  firstToken: number;
}

/** Kept prompt positions per layer and KV head, sorted ascending, all with the same count per layer. */
export type KeptPerHead = Int32Array[][];

/** Gathers each KV head's kept rows of a [Hkv, T, D] tensor into [Hkv, k, D]. */
function gatherRows(src: Float32Array, T: number, D: number, keptPerHead: Int32Array[]): Float32Array {
  const k = keptPerHead[0].length;
  const out = new Float32Array(keptPerHead.length * k * D);
  keptPerHead.forEach((kept, g) => {
    for (let i = 0; i < k; i++)
      out.set(src.subarray((g * T + kept[i]) * D, (g * T + kept[i] + 1) * D), (g * k + i) * D);
  });
  return out;
}

export function compactCache(prefill: Prefill, kept: KeptPerHead, headDim: number): LayerCache[] {
  return prefill.cache.map((c, l) => {
    const k = kept[l][0].length;
    if (kept[l].some((s) => s.length !== k))
      throw new Error(`layer ${l}: kept sets of its KV heads differ in size`);
    return {
      key: gatherRows(c.key, c.length, headDim, kept[l]),
      value: gatherRows(c.value, c.length, headDim, kept[l]),
      length: k,
    };
  });
}

/** Per layer [Hkv, m]: 0 for kept prompt positions, −∞ for evicted ones. */
export function evictionBias(m: number, kept: KeptPerHead): Float32Array[] {
  return kept.map((heads) => {
    const bias = new Float32Array(heads.length * m).fill(Number.NEGATIVE_INFINITY);
    heads.forEach((set, g) => {
      for (const j of set) bias[g * m + j] = 0;
    });
    return bias;
  });
}

/** Extends a [Hkv, T] bias to [Hkv, T + extra] with zeros (new and generated tokens are kept). */
function widenBias(bias: Float32Array, Hkv: number, T: number, extra: number): Float32Array {
  const out = new Float32Array(Hkv * (T + extra));
  for (let g = 0; g < Hkv; g++) out.set(bias.subarray(g * T, (g + 1) * T), g * (T + extra));
  return out;
}

/** A decoding state under one policy: the cache as the policy leaves it, plus the bias if any. */
export class PolicyCache {
  private constructor(
    private readonly model: LoadedModel,
    public cache: LayerCache[],
    /** keyBias mode: per layer [Hkv, m] prompt bias; null in compact mode. */
    private readonly promptBias: Float32Array[] | null,
    private readonly m: number,
  ) {}

  static create(
    model: LoadedModel,
    prefill: Prefill,
    kept: KeptPerHead | null,
    mode: EvictionMode,
  ): PolicyCache {
    if (kept === null) return new PolicyCache(model, prefill.cache, null, prefill.m);
    if (mode === 'compact')
      return new PolicyCache(model, compactCache(prefill, kept, model.manifest.headDim), null, prefill.m);
    return new PolicyCache(model, prefill.cache, evictionBias(prefill.m, kept), prefill.m);
  }

  /** Feeds n token embeddings at the given positions; advances the cache. */
  async step(embeds: Float32Array, positions: number[]): Promise<DecoderResult> {
    const Hkv = this.model.manifest.kvHeads;
    const n = positions.length;
    const keyBias = this.promptBias?.map((b, l) => {
      const T = this.cache[l].length;
      // Prompt part from the policy; generated part (T − m) and the new block are kept.
      return widenBias(b, Hkv, this.m, T - this.m + n);
    });
    const r = await runDecoder(this.model, { embeds, n, positions, past: this.cache, keyBias });
    this.cache = r.present;
    return r;
  }
}

export interface GreedyResult {
  ids: number[];
  stoppedBy: 'eos' | 'max-new-tokens';
}

/**
 * Greedy decoding from a prefill under a policy (kept = null: full cache). Returns y₀..y_{G−1},
 * EOS included when it was produced.
 */
export async function greedyUnderPolicy(
  model: LoadedModel,
  prefill: Prefill,
  kept: KeptPerHead | null,
  opts: { mode: EvictionMode; maxNewTokens: number; signal?: AbortSignal },
): Promise<GreedyResult> {
  const { eos } = model.manifest.tokens;
  const vocab = model.manifest.vocabSize;
  const state = PolicyCache.create(model, prefill, kept, opts.mode);
  const ids = [prefill.firstToken];
  while (ids.length < opts.maxNewTokens && ids[ids.length - 1] !== eos) {
    opts.signal?.throwIfAborted();
    const last = ids[ids.length - 1];
    const r = await state.step(await embedTokens(model, [last]), [prefill.m + ids.length - 1]);
    ids.push(argmax(r.logits, 0, vocab));
  }
  return { ids, stoppedBy: ids[ids.length - 1] === eos ? 'eos' : 'max-new-tokens' };
}

/**
 * Teacher forcing (ALGORITHMS §7): one call feeding y₀..y_{G−2} at positions m..m+G−2 against the
 * policy's cache; row t−1 of the logits is the policy's distribution for step t (t = 1..G−1).
 */
export async function teacherForcedLogits(
  model: LoadedModel,
  prefill: Prefill,
  kept: KeptPerHead | null,
  fullIds: number[],
  mode: EvictionMode,
): Promise<Float32Array | null> {
  const G = fullIds.length;
  if (G < 2) return null;
  const feed = fullIds.slice(0, G - 1);
  const state = PolicyCache.create(model, prefill, kept, mode);
  const r = await state.step(
    await embedTokens(model, feed),
    feed.map((_, t) => prefill.m + t),
  );
  return r.logits;
}
