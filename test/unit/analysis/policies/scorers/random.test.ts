import { describe, expect, it } from 'vitest';
import { fmix32, randomHash, randomScore } from '../../../../../analysis/policies/scorers/random';

const dims = { L: 2, H: 4, Hkv: 3, D: 1, m: 6, G: 1 };

describe('random scorer', () => {
  it('uses murmur3 fmix32', () => {
    // Known values of MurmurHash3's finaliser.
    expect(fmix32(0)).toBe(0);
    expect(fmix32(1)).toBe(0x514e28b7);
    // fmix32(fmix32(fmix32(fmix32(7) ⊕ 1) ⊕ 2) ⊕ 3), computed independently in Python.
    expect(randomHash(7, 1, 2, 3)).toBe(0x8fba665a);
  });

  it('scores u = hash / 2³² per (layer, KV head, key), in [0, 1)', () => {
    const s = randomScore(dims, { seed: 7 });
    // Layer 1, KV head 2, key 3 → index (1·3 + 2)·6 + 3 = 33.
    expect(s[33]).toBe(Math.fround(0x8fba665a / 2 ** 32));
    // seed 0, l 0, kv 0, j 0: every fmix32 of 0 is 0.
    expect(randomScore(dims, { seed: 0 })[0]).toBe(0);
    for (const x of s) expect(x >= 0 && x < 1).toBe(true);
  });

  it('differs between KV heads and uses kvHead = 0 at layer granularity', () => {
    const kv = randomScore(dims, { seed: 3 });
    const layer = randomScore(dims, { seed: 3 }, 'layer');
    expect(Array.from(kv.subarray(0, 6))).not.toEqual(Array.from(kv.subarray(6, 12)));
    expect(Array.from(layer.subarray(0, 6))).toEqual(Array.from(kv.subarray(0, 6)));
    expect(Array.from(layer.subarray(6, 12))).toEqual(Array.from(kv.subarray(18, 24)));
  });
});
