import { describe, expect, it } from 'vitest';
import { kvMemory } from '../../../../../analysis/policies/metrics/memory';

describe('KV memory (ALGORITHMS §7)', () => {
  it('counts keys and values of every kept prompt token per KV head', () => {
    // L = 2, m = 8, Hkv = 2, D = 2, f16 (b = 2): full = 2·8·2·2·2·2 = 256 bytes;
    // k = [3, 5] → kept = 8·2·2·2·2 = 128 bytes = 50 %.
    const dims = { L: 2, H: 4, Hkv: 2, D: 2, m: 8, G: 2 };
    expect(kvMemory(dims, 'f16', Int32Array.from([3, 5]))).toEqual({
      fullBytes: 256,
      keptBytes: 128,
      keptFraction: 0.5,
      keptPercent: 50,
    });
    // f32 doubles every byte count; bf16 equals f16. Hkv, not H, multiplies (grouped-query).
    expect(kvMemory(dims, 'f32', Int32Array.from([3, 5])).fullBytes).toBe(512);
    expect(kvMemory(dims, 'bf16', Int32Array.from([8, 8])).keptBytes).toBe(256);
  });

  it('matches LLaVA-1.6-7B at 10 %', () => {
    // L = 32, m = 2,900, Hkv = 8, D = 128, f16: 32·2900·8·128·2·2 = 380,108,800 bytes.
    const dims = { L: 32, H: 32, Hkv: 8, D: 128, m: 2900, G: 1 };
    const m = kvMemory(dims, 'f16', new Int32Array(32).fill(290));
    expect(m.fullBytes).toBe(380_108_800);
    expect(m.keptBytes).toBe(38_010_880);
    expect(m.keptPercent).toBeCloseTo(10, 12);
  });
});
