/**
 * Random eviction baseline: a reproducible uniform score per (layer, KV head, key) from the murmur3
 * finaliser, `u = fmix32(fmix32(fmix32(fmix32(seed) ⊕ l) ⊕ kvHead) ⊕ j) / 2³²`, identical in every
 * language (the reference generator in tools/ implements the same chain). One value per KV head,
 * not summed over query heads; at layer granularity kvHead = 0 and the layer shares that vector.
 *
 * No paper: the floor every policy should beat. ALGORITHMS §3.
 *
 * Parameters: `seed` — u32, default 0. Scores are stored in f32 like every score; values that round
 * to the same f32 tie, and ties go to the lower position everywhere.
 */
import type { StatsDims } from '../../attention/stats';
import type { Granularity } from '../granularity';

export interface RandomParams {
  /** Unsigned 32-bit seed. */
  seed: number;
}

export const RANDOM_DEFAULTS: RandomParams = { seed: 0 };

/** murmur3's 32-bit finaliser (Appleby, MurmurHash3 `fmix32`), on and to unsigned 32-bit integers. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The u32 hash behind the score of key j (before dividing by 2³²). */
export function randomHash(seed: number, l: number, kvHead: number, j: number): number {
  return fmix32(fmix32(fmix32(fmix32(seed >>> 0) ^ l) ^ kvHead) ^ j);
}

export function randomScore(
  dims: StatsDims,
  params: RandomParams = RANDOM_DEFAULTS,
  granularity: Granularity = 'kvHead',
): Float32Array {
  const { L, m } = dims;
  const groups = granularity === 'kvHead' ? dims.Hkv : 1;
  const out = new Float32Array(L * groups * m);
  for (let l = 0; l < L; l++)
    for (let g = 0; g < groups; g++) {
      const base = (l * groups + g) * m;
      const hg = fmix32(fmix32(fmix32(params.seed >>> 0) ^ l) ^ g);
      for (let j = 0; j < m; j++) out[base + j] = fmix32(hg ^ j) / 4294967296;
    }
  return out;
}
