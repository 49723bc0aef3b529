import { type KeptSets, keptSet } from './keptSet';

/**
 * Kept sets (CSR over layer × group) as per-layer, per-KV-head position lists, the form decoding
 * under a policy takes; at layer granularity (one group) the layer's set is shared by every KV head.
 */
export function keptPerHead(kept: KeptSets, kvHeads: number): Int32Array[][] {
  const out: Int32Array[][] = [];
  for (let l = 0; l < kept.L; l++) {
    const heads: Int32Array[] = [];
    for (let g = 0; g < kvHeads; g++) heads.push(keptSet(kept, l, kept.groups === 1 ? 0 : g).slice());
    out.push(heads);
  }
  return out;
}
