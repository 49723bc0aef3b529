/**
 * The runtime end to end on CPU with the bundled model: record a sample → Stats → every preset's
 * kept sets → decode under VL-Cache at 10 % and at 100 % (100 % equals the full-cache answer exactly)
 * → compact cache and key_bias give identical tokens → save → reopen → identical Stats.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analysisBackend } from '../../analysis/engine/analysisBackendDefault';
import { appRoot } from '../../analysis/engine/appRoot';
import { Engine } from '../../analysis/engine/engine';
import { keptPerHead } from '../../analysis/policies/keptPerHead';
import { PRESET_IDS } from '../../analysis/policies/registry';
import { completeResults, liveAnalysisFor } from '../../analysis/record/recordingAnalysis';
import type { Recording } from '../../analysis/record/recording';
import { openSessionFile, saveSessionFile } from '../../analysis/session/sessionFile';

const modelDir = join(appRoot(), 'assets', 'models', 'shapes-vlm');
const sample = join(appRoot(), 'assets', 'samples', 'sample_00.png');
const events: { stage: string; fraction: number }[] = [];
const engine = new Engine({
  analysis: analysisBackend(),
  emit: (e, p) => e === 'runProgress' && events.push(p as { stage: string; fraction: number }),
});
let tmp: string;
let recordingId: string;
let rec: Recording;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'vlc-rt-'));
  const info = await engine.run({
    runId: 'r1',
    modelDir,
    provider: 'cpu',
    image: { bytes: new Uint8Array(readFileSync(sample)) },
    prompt: 'what colour is the star?',
    maxNewTokens: 16,
  });
  recordingId = info.recordingId;
  rec = engine.entry(recordingId).recording;
}, 120_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('recording a sample on CPU', () => {
  it('answers with the fixed lead-in, records every row and reports progress by stage', () => {
    const info = engine.info(recordingId);
    expect(info.provider).toBe('cpu');
    expect(info.generation.text).toMatch(/^the star is \w+$/);
    const { L, H, Hkv, D, m, G } = rec.dims;
    expect(m).toBe(rec.tokens.filter((t) => t.modality !== 'generated').length);
    expect(G).toBe(info.generation.ids.length);
    expect(rec.tokens.filter((t) => t.modality === 'image')).toHaveLength(576);
    expect(rec.postVisionStart).toBeLessThan(m);
    expect(rec.queries).toHaveLength(L);
    expect(rec.queries[0]).toHaveLength(H * (m + G) * D);
    expect(rec.keys[0]).toHaveLength(Hkv * (m + G) * D);
    expect(new Set(events.map((e) => e.stage))).toEqual(
      new Set(['preprocess', 'vision', 'prefill', 'decode', 'statistics']),
    );
    const fractions = events.map((e) => e.fraction);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
  });

  it('computes kept sets for every preset', () => {
    const res = completeResults(rec, liveAnalysisFor(rec, { policies: [...PRESET_IDS] }));
    for (const p of res.policies) {
      expect(p.status, p.policy.id).toBe('ok');
      if (p.status === 'ok')
        expect(Array.from(p.allocation.k).reduce((a, b) => a + b, 0)).toBe(p.allocation.total);
    }
  });

  it('decodes under VL-Cache at 100 % exactly like the full cache, and at 10 % with both cache paths agreeing', async () => {
    const at = (bp: number) => {
      const res = completeResults(
        rec,
        liveAnalysisFor(rec, { policies: ['vl-cache'], budget: { kind: 'percent', basisPoints: bp } }),
      );
      const p = res.policies[0];
      if (p.status !== 'ok') throw new Error(p.status);
      return keptPerHead(p.kept, rec.dims.Hkv);
    };
    const full = await engine.evaluatePolicy({ recordingId, kept: at(10000), mode: 'compact' });
    expect(full.exactMatch).toBe(true);
    expect(full.ids).toEqual(rec.generation.ids);
    expect(full.meanKl).toBeLessThan(1e-3);
    const compact = await engine.evaluatePolicy({ recordingId, kept: at(1000), mode: 'compact' });
    const biased = await engine.evaluatePolicy({ recordingId, kept: at(1000), mode: 'keyBias' });
    expect(compact.ids).toEqual(biased.ids);
    expect(compact.keptBytes).toBeLessThan(0.2 * compact.fullBytes);
    expect(compact.ids[0]).toBe(rec.generation.ids[0]); // y0 comes from the full prefill (ALGORITHMS §0)
  }, 120_000);

  it('computes window sums for a w the Stats lack, equal to a fresh computation', async () => {
    const { L, Hkv, m } = rec.dims;
    expect(rec.stats.windowSums[6]).toBeUndefined();
    const { sums } = await engine.getWindowSums({ recordingId, w: 6 });
    expect(sums).toHaveLength(L * Hkv * m);
    // The last w_obs prompt rows' attention sums to w_obs per head, g heads per KV head.
    const g = rec.dims.H / Hkv;
    let total = 0;
    for (let j = 0; j < m; j++) total += sums[j];
    expect(total).toBeCloseTo(6 * g, 2);
    expect((await engine.getWindowSums({ recordingId, w: 8 })).sums).toBe(rec.stats.windowSums[8]);
  });

  it('saves and reopens with identical Stats and tensors', async () => {
    const path = join(tmp, 'a.vlcs');
    await saveSessionFile(path, rec, { params: { budget: 1000 }, timeline: [] });
    const back = (await openSessionFile(path)).recording;
    expect(back.stats.hist).toEqual(rec.stats.hist);
    expect(back.stats.postVision).toEqual(rec.stats.postVision);
    expect(back.stats.recallW).toEqual(rec.stats.recallW);
    expect(back.queries[2]).toEqual(rec.queries[2]);
    expect(back.keys[5]).toEqual(rec.keys[5]);
    expect(back.generation).toEqual(rec.generation);
    expect(back.tokens).toEqual(rec.tokens);
  });

  it('rebuilds the prefill of an opened session to evaluate a policy', async () => {
    const id = engine.addRecording(rec, { modelDir });
    const res = completeResults(
      rec,
      liveAnalysisFor(rec, { policies: ['h2o'], budget: { kind: 'percent', basisPoints: 10000 } }),
    );
    const p = res.policies[0];
    if (p.status !== 'ok') throw new Error(p.status);
    const out = await engine.evaluatePolicy({
      recordingId: id,
      kept: keptPerHead(p.kept, rec.dims.Hkv),
      mode: 'keyBias',
    });
    expect(out.ids).toEqual(rec.generation.ids);
  }, 60_000);
});

describe('bad input and cancellation', () => {
  const run = (over: Partial<Parameters<Engine['run']>[0]>) =>
    engine.run({
      runId: randomUUID(),
      modelDir,
      provider: 'cpu',
      image: { bytes: new Uint8Array(readFileSync(sample)) },
      prompt: 'what colour is the star?',
      maxNewTokens: 8,
      ...over,
    });

  it.each([
    ['an unreadable image', { image: { bytes: new Uint8Array([1, 2, 3, 4]) } }, /cannot read the image/],
    ['a truncated PNG', { image: { bytes: new Uint8Array(readFileSync(sample).subarray(0, 300)) } }, /image/],
    ['an empty prompt', { prompt: '   ' }, /the prompt is empty/],
    ['an over-long prompt', { prompt: 'what '.repeat(2000) }, /the model's context is \d+ positions/],
    ['an unknown model folder', { modelDir: '/nowhere' }, /no model package at \/nowhere/],
  ])('rejects %s with a specific error', async (_what, over, message) => {
    await expect(run(over as Partial<Parameters<Engine['run']>[0]>)).rejects.toThrow(message);
  });

  it('refuses an image over the pixel limit before decoding it', async () => {
    const sharp = (await import('sharp')).default;
    const huge = await sharp({ create: { width: 9000, height: 8000, channels: 3, background: '#808080' } })
      .png({ compressionLevel: 1 })
      .toBuffer();
    await expect(run({ image: { bytes: new Uint8Array(huge) } })).rejects.toThrow(/pixel/);
  }, 60_000);

  it('cancelling during decode reports no recording', async () => {
    const before = events.length;
    const runId = randomUUID();
    const local = new Engine({
      analysis: analysisBackend(),
      emit: (e, p) => {
        if (e === 'runProgress' && (p as { stage: string }).stage === 'decode')
          void local.cancelRun({ runId });
      },
    });
    await expect(
      local.run({
        runId,
        modelDir,
        provider: 'cpu',
        image: { bytes: new Uint8Array(readFileSync(sample)) },
        prompt: 'describe the picture.',
        maxNewTokens: 32,
      }),
    ).rejects.toThrow(/cancelled/);
    expect(events.length).toBe(before);
  }, 60_000);
});
