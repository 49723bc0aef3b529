import { describe, expect, it } from 'vitest';
import { listProviders, providerCandidates } from '../../analysis/model/providers';

describe('execution provider probe (onnxruntime-node, this machine)', () => {
  it('reports cpu available and gives a reason for every unavailable provider', async () => {
    const list = await listProviders();
    expect(list.map((p) => p.id)).toEqual(['cpu', 'webgpu', 'cuda']);
    expect(list[0]).toEqual({ id: 'cpu', available: true });
    for (const p of list.filter((x) => !x.available)) expect(p.reason && p.reason.length > 10).toBe(true);
    // onnxruntime-node 1.30 does not bundle the CUDA provider.
    expect(list[2].available).toBe(false);
    expect(list[2].reason).toMatch(/not bundled/);
  });

  it('auto tries working GPU providers first and always ends with cpu', async () => {
    const list = await listProviders();
    const auto = await providerCandidates('auto');
    expect(auto.at(-1)).toBe('cpu');
    for (const id of auto.slice(0, -1)) expect(list.find((p) => p.id === id)?.available).toBe(true);
    expect(await providerCandidates('webgpu')).toEqual(['webgpu']);
  });
});
