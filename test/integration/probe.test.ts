/**
 * The ONNX probe on onnxruntime-node (CPU) against the TypeScript Stats builder: every field within
 * ALGORITHMS §9 — floats |a − b| ≤ 1e-6 + 1e-5|b|; histograms with equal totals, where the cumulative
 * count below each edge e_i may differ only by the entries whose x lies within 1e-5 of e_i; overview
 * levels within one step (the probe rounds log10 in f32), "no data" identical.
 */
import { describe, expect, it } from 'vitest';
import {
  type AttentionSpec,
  attentionRow,
  buildStats,
  EDGE_COUNT,
  EDGES,
  HIST_BINS,
  histOffset,
  histogramBin,
  type LayerTensors,
  logRatio,
  ROW_SETS,
  rowSetRange,
  type Stats,
  type StatsLayout,
  WINDOW_SIZES,
} from '../../analysis/attention/index';
import { addWindowSums } from '../../analysis/attention/addWindowSums';
import { loadAttentionReference, referenceLayers } from '../unit/analysis/attention/referenceFixture';
import {
  buildStatsWithProbe,
  ProbeProviderUnavailableError,
  ProbeRunner,
} from '../../analysis/model/probeRunner';

function randomLayers(spec: AttentionSpec, n: number, seed: number, qScale: number): LayerTensors[] {
  let s = seed >>> 0;
  // Gaussian-ish (sum of three uniforms) so logits have tails: neither uniform nor one-hot rows.
  const rnd = () => {
    let x = 0;
    for (let i = 0; i < 3; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      x += s / 2 ** 32 - 0.5;
    }
    return x;
  };
  const { heads: H, kvHeads: Hkv, headDim: D } = spec;
  return Array.from({ length: spec.layers }, () => ({
    queries: Float32Array.from({ length: H * n * D }, () => rnd() * qScale),
    keys: Float32Array.from({ length: Hkv * n * D }, () => rnd() * 2),
  }));
}

function expectFloatsAgree(name: string, actual: Float32Array, expected: Float32Array): void {
  expect(actual.length, name).toBe(expected.length);
  let bad = 0;
  let first = -1;
  for (let i = 0; i < expected.length; i++)
    if (!(Math.abs(actual[i] - expected[i]) <= 1e-6 + 1e-5 * Math.abs(expected[i]))) {
      bad++;
      if (first < 0) first = i;
    }
  expect(bad, `${name}: ${bad} values off, first at ${first}: ${actual[first]} vs ${expected[first]}`).toBe(
    0,
  );
}

/** Per (l, h, row set) and edge i: the entries whose x lies within 1e-5 of e_i (from the TS rows). */
function nearEdgeCounts(spec: AttentionSpec, layout: StatsLayout, layers: LayerTensors[]): Uint32Array {
  const { layers: L, heads: H } = spec;
  const out = new Uint32Array(L * H * ROW_SETS.length * EDGE_COUNT);
  for (let l = 0; l < L; l++)
    for (let h = 0; h < H; h++)
      ROW_SETS.forEach((r, ri) => {
        const [r0, r1] = rowSetRange(layout, r);
        for (let q = r0; q < r1; q++) {
          const row = attentionRow(spec, layers[l], l, h, q).values;
          const mx = row.reduce((a, b) => Math.max(a, b), 0);
          const base = ((l * H + h) * ROW_SETS.length + ri) * EDGE_COUNT;
          for (let j = 0; j < row.length; j++) {
            const x = logRatio(row[j], mx);
            // Edges are 0.05 apart: only the two edges bounding x's bin can be within 1e-5 of it.
            const b = histogramBin(x);
            for (const i of [b - 1, b])
              if (i >= 0 && i < EDGE_COUNT && Math.abs(x - EDGES[i]) <= 1e-5) out[base + i]++;
          }
        }
      });
  return out;
}

function expectStatsAgree(
  probe: Stats,
  ts: Stats,
  spec: AttentionSpec,
  layout: StatsLayout,
  layers: LayerTensors[],
): void {
  expect(probe.dims).toEqual(ts.dims);
  expect(probe.postVisionStart).toBe(ts.postVisionStart);
  for (const k of ['postVision', 'accumulated', 'lastQuery', 'keyNorm', 'recallW', 'oracle'] as const)
    expectFloatsAgree(k, probe[k], ts[k]);
  for (const w of WINDOW_SIZES) expectFloatsAgree(`windowSums[${w}]`, probe.windowSums[w], ts.windowSums[w]);

  const near = nearEdgeCounts(spec, layout, layers);
  const { L, H } = ts.dims;
  const problems: string[] = [];
  let moved = 0;
  for (let l = 0; l < L; l++)
    for (let h = 0; h < H; h++)
      ROW_SETS.forEach((r, ri) => {
        const o = histOffset(ts.dims, l, h, r);
        let ca = 0;
        let cb = 0;
        for (let b = 0; b < HIST_BINS; b++) {
          ca += probe.hist[o + b];
          cb += ts.hist[o + b];
          // After bin b, the cumulative count is #{x < e_b}: only near-edge entries may cross e_b.
          if (b < EDGE_COUNT) {
            const allowed = near[((l * H + h) * ROW_SETS.length + ri) * EDGE_COUNT + b];
            if (Math.abs(ca - cb) > allowed) problems.push(`hist l${l} h${h} ${r} edge ${b}: ${ca} vs ${cb}`);
            moved += Math.abs(ca - cb);
          }
        }
        if (ca !== cb) problems.push(`hist total l${l} h${h} ${r}: ${ca} vs ${cb}`);
      });
  // Almost every entry lands in the same bin.
  expect(moved).toBeLessThan(50);

  let off = 0;
  for (let i = 0; i < ts.overview.length; i++) {
    const a = probe.overview[i];
    const b = ts.overview[i];
    if ((a === 0 || b === 0) && a !== b) problems.push(`overview ${i}: no-data mismatch ${a} vs ${b}`);
    else if (Math.abs(a - b) > 1) problems.push(`overview ${i}: ${a} vs ${b}`);
    else if (a !== b) off++;
  }
  expect(problems.slice(0, 10)).toEqual([]);
  expect(off).toBeLessThan(ts.overview.length / 100 + 5);
}

const spec: AttentionSpec = {
  layers: 3,
  heads: 4,
  kvHeads: 2,
  headDim: 16,
  scale: 0.25,
  softcap: null,
  slidingWindow: [null, null, 9],
};
const layout: StatsLayout = { m: 60, G: 5, postVisionStart: 44 };
const layers = randomLayers(spec, layout.m + layout.G, 1234, 3);
const ts = buildStats(spec, layout, (l) => layers[l]);

describe('probe on ORT CPU vs the TypeScript builder', () => {
  it('agrees in one chunk per layer (bins counted by the runner)', async () => {
    const probe = await buildStatsWithProbe(spec, layout, (l) => layers[l], { provider: 'cpu' });
    expectStatsAgree(probe, ts, spec, layout, layers);
  });

  it('agrees when chunks split heads and rows (histograms scatter-added in the graph)', async () => {
    const probe = await buildStatsWithProbe(spec, layout, (l) => layers[l], {
      provider: 'cpu',
      histogram: 'scatter',
      maxEntries: 600,
    });
    expectStatsAgree(probe, ts, spec, layout, layers);
  });

  it('agrees with a softcap and with n > 256 (pooled overview pixels), in row chunks', async () => {
    const s2: AttentionSpec = {
      ...spec,
      layers: 1,
      heads: 2,
      kvHeads: 1,
      headDim: 8,
      softcap: 5,
      slidingWindow: [null],
    };
    const l2: StatsLayout = { m: 270, G: 3, postVisionStart: 262 };
    const layers2 = randomLayers(s2, l2.m + l2.G, 99, 4);
    const ts2 = buildStats(s2, l2, (l) => layers2[l]);
    expect(ts2.overviewSize).toBe(256);
    for (const histogram of ['bins', 'scatter'] as const) {
      const probe = await buildStatsWithProbe(s2, l2, (l) => layers2[l], {
        provider: 'cpu',
        histogram,
        maxEntries: 20_000,
      });
      expectStatsAgree(probe, ts2, s2, l2, layers2);
    }
  });

  it('τ = 0: the post-vision fields stay empty', async () => {
    const l0 = { ...layout, postVisionStart: layout.m };
    const probe = await buildStatsWithProbe(spec, l0, (l) => layers[l], {
      provider: 'cpu',
      maxEntries: 2_000,
    });
    expect(probe.postVision.every((x) => x === 0)).toBe(true);
    expectStatsAgree(
      probe,
      buildStats(spec, l0, (l) => layers[l]),
      spec,
      l0,
      layers,
    );
  });

  it('computes extra window sums on the provider like addWindowSums', async () => {
    const runner = await ProbeRunner.create(spec, { provider: 'cpu', maxEntries: 500 });
    try {
      const probeStats = await runner.buildStats(layout, (l) => layers[l]);
      for (const w of [3, 20]) {
        const viaProbe = await runner.addWindowSums(probeStats, (l) => layers[l], w);
        const tsStats = buildStats(spec, layout, (l) => layers[l]);
        expectFloatsAgree(
          `window ${w}`,
          viaProbe,
          addWindowSums(tsStats, (l) => layers[l], w),
        );
        expect(probeStats.windowSums[w]).toBe(viaProbe);
      }
    } finally {
      await runner.release();
    }
  });

  it('matches the numpy reference vectors too (ALGORITHMS §9)', async () => {
    for (const ref of loadAttentionReference().cases) {
      const refLayers = referenceLayers(ref);
      const probe = await buildStatsWithProbe(ref.spec, ref.layout, (l) => refLayers[l], {
        provider: 'cpu',
        maxEntries: 3_000,
      });
      for (const k of ['postVision', 'accumulated', 'lastQuery', 'keyNorm', 'recallW', 'oracle'] as const)
        expectFloatsAgree(`${ref.name} ${k}`, probe[k], Float32Array.from(ref[k]));
      for (const w of WINDOW_SIZES)
        expectFloatsAgree(
          `${ref.name} window ${w}`,
          probe.windowSums[w],
          Float32Array.from(ref.windowSums[String(w)]),
        );
      // Bins: equal totals; cumulative counts apart only by the near-edge entries.
      for (let i = 0; i < ref.hist.length / HIST_BINS; i++) {
        let ca = 0;
        let cb = 0;
        for (let b = 0; b < HIST_BINS; b++) {
          ca += probe.hist[i * HIST_BINS + b];
          cb += ref.hist[i * HIST_BINS + b];
          if (b < EDGE_COUNT) expect(Math.abs(ca - cb)).toBeLessThanOrEqual(ref.nearEdge[i * EDGE_COUNT + b]);
        }
        expect(ca).toBe(cb);
      }
    }
  });

  it('webgpu: either unavailable with a reason, or agreeing too — never a silent CPU run', async () => {
    let runner: ProbeRunner | undefined;
    try {
      runner = await ProbeRunner.create(spec, { provider: 'webgpu' });
    } catch (e) {
      expect(e).toBeInstanceOf(ProbeProviderUnavailableError);
      expect((e as ProbeProviderUnavailableError).code).toBe('probe-provider-unavailable');
      expect((e as Error).message).toMatch(/webgpu/);
      return;
    }
    try {
      expect(runner.provider).toBe('webgpu');
      expectStatsAgree(await runner.buildStats(layout, (l) => layers[l]), ts, spec, layout, layers);
    } finally {
      await runner.release();
    }
  });
});
