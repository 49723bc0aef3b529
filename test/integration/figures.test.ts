/**
 * Sessions and figures end to end on the bundled model: record → change params, annotate → save →
 * open in a fresh engine → replay, with the state compared at every step and the figures compared
 * as SVG text; and `vlcache figures` writing every figure of a saved session, each SVG checked for
 * its axes, legends and boundary lines and each PNG for its size.
 */
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JSDOM } from 'jsdom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineApi, RecordingInfo } from '../../analysis/engine/api';
import { analysisBackend } from '../../analysis/engine/analysisBackendDefault';
import { appRoot } from '../../analysis/engine/appRoot';
import { Engine } from '../../analysis/engine/engine';
import { saveSessionFile } from '../../analysis/session/sessionFile';
import { figuresCommand } from '../../analysis/cli/commands/figures';
import { setEngine } from '../../renderer/src/engine/engineHolder';
import { engineFigureSource, figureOptionsOf } from '../../renderer/src/figures/engineSource';
import { buildFigureSet, FIGURE_IDS } from '../../renderer/src/figures/figureData';
import { figureSvg } from '../../renderer/src/figures/renderFigure';
import { openSessionBytes, sessionBytes } from '../../renderer/src/session/sessionActions';
import { captionAt } from '../../renderer/src/stores/actionLog';
import { openRecording } from '../../renderer/src/stores/runActions';
import { actions, createStudioStore, studio } from '../../renderer/src/stores/store';
import { timelineOf } from '../../renderer/src/stores/timeline';

const modelDir = join(appRoot(), 'assets', 'models', 'shapes-vlm');
const newEngine = () => new Engine({ analysis: analysisBackend() });
const connect = (api: EngineApi) =>
  setEngine({ api, transport: 'websocket', on: () => () => undefined, onStatus: () => () => undefined });

let engineA: Engine;
let info: RecordingInfo;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'figs-'));
  engineA = newEngine();
  engineA.allowModelDir(modelDir);
  info = await engineA.run({
    runId: 'fig-run',
    modelDir,
    provider: 'cpu',
    image: { sample: 'sample_00.png' },
    prompt: 'where is the diamond?',
    maxNewTokens: 4,
  });
});
afterAll(async () => {
  setEngine(null);
  await rm(dir, { recursive: true, force: true });
});

const snapshot = () => {
  const s = studio.store.getState();
  return structuredClone({
    params: s.params,
    evaluations: s.evaluations,
    caption: captionAt(s.log, s.cursor),
  });
};

async function figuresNow(api: EngineApi): Promise<Record<string, string>> {
  const s = studio.store.getState();
  const src = engineFigureSource(api, s.recording!, s.stats!);
  const set = await buildFigureSet(src, figureOptionsOf(s.params, s.recording!.dims.L));
  return Object.fromEntries(FIGURE_IDS.map((id) => [id, figureSvg(id, set[id])]));
}

describe('session round trip', () => {
  it('replays to identical states and identical figures in a fresh engine', async () => {
    studio.store.setState(createStudioStore().store.getState(), true);
    connect(engineA);
    await openRecording(info);
    // openRecording selected the last prompt token through the log: replay starts after that entry.
    const base = studio.store.getState().cursor;
    expect(base).toBe(1);
    const states = [snapshot()];
    const figuresAt = new Map<number, Record<string, string>>();
    const L = info.dims.L;
    const steps: (() => void)[] = [
      () => actions.dispatch({ type: 'setParams', patch: { layer: L - 1, head: 1 } }),
      () => actions.dispatch({ type: 'setParams', patch: { budget: { kind: 'percent', basisPoints: 500 } } }),
      () => actions.dispatch({ type: 'annotate', text: 'half the budget, last layer' }),
      () =>
        actions.dispatch({
          type: 'setParams',
          patch: { viewEdge: 100, policies: ['vl-cache', 'h2o', 'snapkv'] },
        }),
    ];
    for (const step of steps) {
      step();
      states.push(snapshot());
    }
    figuresAt.set(states.length - 1, await figuresNow(engineA));
    actions.seek(base + 2);
    figuresAt.set(2, await figuresNow(engineA));
    actions.seek(base + states.length - 1);

    const { bytes, name } = await sessionBytes();
    const logBefore = studio.store.getState().log.length;

    // A fresh app and a fresh engine.
    studio.store.setState(createStudioStore().store.getState(), true);
    const engineB = newEngine();
    connect(engineB);
    await openSessionBytes(bytes, name);
    const s = studio.store.getState();
    expect(s.recording?.recordingId).not.toBe(info.recordingId);
    expect(s.log).toHaveLength(logBefore);
    expect(s.sessionName).toBe(name);
    expect(snapshot()).toEqual(states.at(-1));
    actions.seek(base);
    expect(snapshot()).toEqual(states[0]);
    for (let i = 1; i < states.length; i++) {
      actions.redo();
      expect(snapshot(), `step ${i}`).toEqual(states[i]);
      const want = figuresAt.get(i);
      if (want) {
        const got = await figuresNow(engineB);
        for (const id of FIGURE_IDS) expect(got[id], `${id} at step ${i}`).toBe(want[id]);
      }
    }
  });

  it('keeps the open recording when a session has a bad timeline', async () => {
    connect(engineA);
    await openRecording(info);
    const rec = engineA.entry(info.recordingId).recording;
    const before = studio.store.getState();
    const file = join(dir, 'bad.vlcs');
    await saveSessionFile(file, rec, {
      params: {},
      timeline: [{ t: 0, action: { type: 'setParams', patch: { layer: 99 } }, before: { layer: 0 } }],
    });
    await expect(openSessionBytes(await readFile(file), 'bad.vlcs')).rejects.toThrow(
      /timeline entry 0: layer 99 does not exist/,
    );
    const after = studio.store.getState();
    expect(after.recording).toBe(before.recording);
    expect(after.log).toBe(before.log);
    expect(after.params).toBe(before.params);
  });
});

const pngSize = (b: Uint8Array) => {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return { width: v.getUint32(16), height: v.getUint32(20) };
};

describe('vlcache figures', () => {
  it('writes every figure of a bundled-model session with axes, legends and boundaries', async () => {
    const rec = engineA.entry(info.recordingId).recording;
    const s = createStudioStore();
    s.actions.dispatch({ type: 'setParams', patch: { layer: 1 } });
    const file = join(dir, 'run.vlcs');
    await saveSessionFile(file, rec, {
      params: s.store.getState().params as unknown as Record<string, unknown>,
      timeline: timelineOf(s.store.getState().log, 1),
    });
    const out = join(dir, 'figs');
    const code = await figuresCommand([file, '--out', out, '--scale', '2', '--head', '0']);
    expect(code).toBe(0);
    const files = await readdir(out);
    for (const id of FIGURE_IDS)
      for (const ext of ['svg', 'png', 'csv', 'json']) expect(files).toContain(`${id}.${ext}`);

    const expectedLegends: Record<string, string[]> = {
      sparsity: ['prefill', 'post-vision', 'decode'],
      hitRate: ['accumulated (H2O)', 'window (SnapKV)', 'post-vision (VL-Cache)'],
      budgets: ['VL-Cache', 'H2O', 'StreamingLLM', 'PyramidKV', 'SnapKV'],
      recall: ['VL-Cache', 'H2O', 'StreamingLLM', 'PyramidKV', 'SnapKV'],
      attention: ['modality boundary', 'post-vision rows', 'decode rows'],
      kept: ['kept by every KV head', 'kept by some KV heads', 'evicted'],
    };
    for (const id of FIGURE_IDS) {
      const text = await readFile(join(out, `${id}.svg`), 'utf8');
      const doc = new JSDOM(text, { contentType: 'image/svg+xml' }).window.document;
      expect(doc.querySelector('parsererror'), id).toBeNull();
      const svg = doc.documentElement;
      expect(svg.tagName).toBe('svg');
      const legend = [...doc.querySelectorAll('.legend-item')].map((e) => e.getAttribute('data-label'));
      expect(legend, id).toEqual(expectedLegends[id]);
      if (id !== 'kept') {
        expect(doc.querySelector('.x-axis')?.getAttribute('data-label'), id).toBeTruthy();
        expect(doc.querySelector('.y-axis')?.getAttribute('data-label'), id).toBeTruthy();
      }
      const png = await readFile(join(out, `${id}.png`));
      expect(pngSize(png), id).toEqual({
        width: 2 * Number(svg.getAttribute('width')),
        height: 2 * Number(svg.getAttribute('height')),
      });
    }
    const att = new JSDOM(await readFile(join(out, 'attention.svg'), 'utf8'), {
      contentType: 'image/svg+xml',
    }).window.document;
    const boundaries = [...att.querySelectorAll('.boundary')].map((e) => e.getAttribute('data-boundary'));
    expect(boundaries).toContain('post-vision-start');
    expect(boundaries).toContain('decode-start');
    // text → image → text boundaries of the prompt, and the one before the generated tokens.
    expect(boundaries.filter((b) => b?.startsWith('modality-')).length).toBeGreaterThanOrEqual(3);
    expect(att.querySelector('image.heatmap')?.getAttribute('href')).toMatch(/^data:image\/png;base64,/);
    expect(att.querySelector('.y-axis')?.getAttribute('data-label')).toContain('layer 1, head 0');
    const kept = new JSDOM(await readFile(join(out, 'kept.svg'), 'utf8'), { contentType: 'image/svg+xml' })
      .window.document;
    expect(kept.querySelectorAll('.panel')).toHaveLength(5);
    const recall = JSON.parse(await readFile(join(out, 'recall.json'), 'utf8'));
    expect(recall.budgetsPercent).toEqual([1, 2, 5, 10, 20, 40, 60, 80, 100]);
    for (const s of recall.series) expect(s.values.at(-1)).toBeCloseTo(1, 6);
    const csv = (await readFile(join(out, 'sparsity.csv'), 'utf8')).trim().split('\n');
    expect(csv[0]).toBe('series,layer,sparsity γ');
    expect(csv).toHaveLength(1 + 3 * rec.dims.L);
  });

  it('renders the same SVG twice (deterministic markup)', async () => {
    const rec = engineA.entry(info.recordingId).recording;
    const file = join(dir, 'det.vlcs');
    await saveSessionFile(file, rec, { params: {}, timeline: [] });
    await figuresCommand([file, '--out', join(dir, 'a'), '--format', 'svg']);
    await figuresCommand([file, '--out', join(dir, 'b'), '--format', 'svg']);
    for (const id of FIGURE_IDS)
      expect(await readFile(join(dir, 'a', `${id}.svg`), 'utf8')).toBe(
        await readFile(join(dir, 'b', `${id}.svg`), 'utf8'),
      );
  });
});
