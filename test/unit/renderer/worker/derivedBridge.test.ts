import { describe, expect, it } from 'vitest';
import { setEngine } from '../../../../renderer/src/engine/engineHolder';
import { openRecording, startRun } from '../../../../renderer/src/stores/runActions';
import { createStudioStore, studio } from '../../../../renderer/src/stores/store';
import { createAnalysisHandler } from '../../../../renderer/src/worker/analysisHandler';
import { connectDerived } from '../../../../renderer/src/worker/derivedBridge';
import type { WorkerReply, WorkerRequest } from '../../../../renderer/src/worker/protocol';
import { lane, WorkerClient, type WorkerPort } from '../../../../renderer/src/worker/workerClient';
import { fakeEngine } from '../helpers/fakeEngine';
import { syntheticRecording } from '../helpers/syntheticRecording';

const rec = syntheticRecording();

/** A port that answers through the real handler on a later macrotask, like a worker would. */
function handlerPort() {
  const handle = createAnalysisHandler();
  const listeners: ((ev: { data: WorkerReply }) => void)[] = [];
  const sent: WorkerRequest[] = [];
  const port: WorkerPort = {
    postMessage(msg) {
      sent.push(msg);
      const copy = structuredClone(msg);
      setTimeout(() => {
        const reply = handle(copy);
        for (const l of listeners) l({ data: reply });
      }, 1);
    },
    addEventListener(type: string, l: (ev: never) => void) {
      if (type === 'message') listeners.push(l as (ev: { data: WorkerReply }) => void);
    },
  };
  return { port, sent };
}

const until = async (cond: () => boolean, ms = 5000) => {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 2));
  }
};

describe('worker client', () => {
  it('matches replies to requests by id and rejects error replies', async () => {
    const { port } = handlerPort();
    const client = new WorkerClient(port);
    await expect(
      client.request({ type: 'derive', recordingId: 'x', key: 'k', params: {} as never }),
    ).rejects.toMatchObject({
      code: 'not-loaded',
    });
    const loaded = await client.request({ type: 'load', recordingId: 'x', stats: rec.stats, kvDtype: 'f32' });
    expect(loaded.type).toBe('loaded');
    expect(client.inFlight).toBe(0);
  });

  it('runs the newest of many submissions and skips the ones in between', async () => {
    const l = lane();
    const ran: number[] = [];
    const job = (i: number) => () =>
      new Promise<number>((r) =>
        setTimeout(() => {
          ran.push(i);
          r(i);
        }, 5),
      );
    const outcomes = await Promise.all([1, 2, 3, 4].map((i) => l.submit(job(i))));
    expect(ran).toEqual([1, 4]);
    expect(outcomes.map((o) => o.status)).toEqual(['done', 'skipped', 'skipped', 'done']);
  });
});

describe('derived bridge', () => {
  it('derives after the Stats arrive, follows budget and threshold changes, and ignores selection changes', async () => {
    const { store, actions } = createStudioStore();
    const { port, sent } = handlerPort();
    connectDerived(store, new WorkerClient(port));
    store.setState({ recording: rec.info, stats: rec.stats });
    await until(() => store.getState().derived !== null && store.getState().curves !== null);
    const s0 = store.getState();
    expect(s0.derivedKey).toBe(s0.wantedKey);
    expect(sent.map((m) => m.type)).toEqual(['load', 'derive', 'curves']);
    const vl = () => store.getState().derived!.policies.find((p) => p.id === 'vl-cache')!;
    const k0 = [...(vl() as { k: Int32Array }).k];

    actions.dispatch({ type: 'setParams', patch: { layer: 1, queryToken: 5 } });
    await new Promise((r) => setTimeout(r, 20));
    expect(sent).toHaveLength(3);

    actions.dispatch({ type: 'setParams', patch: { budget: { kind: 'tokens', perLayer: 6 } } });
    await until(
      () =>
        store.getState().derivedKey === store.getState().wantedKey &&
        store.getState().derived!.budget.total === 12,
    );
    const kept = store.getState().derived!.kept!;
    expect(kept.k.reduce((a, b) => a + b, 0)).toBe(12);
    // the budget alone does not change the curves
    expect(sent.filter((m) => m.type === 'curves')).toHaveLength(1);

    actions.dispatch({ type: 'setParams', patch: { viewEdge: 60 } });
    await until(() => store.getState().derivedKey === store.getState().wantedKey);
    await until(() => sent.filter((m) => m.type === 'curves').length === 2);
    expect(store.getState().derived!.sparsity.edge).toBe(60);
    expect([...(vl() as { k: Int32Array }).k]).not.toEqual(k0);
  });

  it('lands on the last value of a fast drag without computing every step', async () => {
    const { store, actions } = createStudioStore();
    const { port, sent } = handlerPort();
    connectDerived(store, new WorkerClient(port));
    store.setState({ recording: rec.info, stats: rec.stats });
    for (let bp = 100; bp <= 3000; bp += 100)
      actions.dispatch(
        { type: 'setParams', patch: { budget: { kind: 'percent', basisPoints: bp } } },
        Date.now(),
        'drag',
      );
    await until(() => store.getState().derived?.key === store.getState().wantedKey);
    expect(store.getState().log).toHaveLength(1);
    expect(sent.filter((m) => m.type === 'derive').length).toBeLessThan(5);
    const { L, m } = rec.info.dims;
    expect(store.getState().derived!.budget.total).toBe(Math.floor((3000 * L * m + 5000) / 10000));
  });
});

describe('run actions', () => {
  it('runs through the engine, reports staged progress and opens the recording with its Stats', async () => {
    const progress: string[] = [];
    const listeners = new Set<(p: unknown) => void>();
    const api = fakeEngine({
      recording: rec,
      stepMs: 2,
      emit: (_e, p) => {
        for (const l of listeners) l(p);
      },
    });
    setEngine({
      api,
      transport: 'electron',
      on: (_event, l) => {
        listeners.add(l);
        return () => listeners.delete(l);
      },
      onStatus: () => () => {},
    });
    const unsub = studio.store.subscribe((s) => {
      if (s.run.state === 'running' && s.run.progress) progress.push(s.run.progress.stage);
    });
    await startRun({
      modelDir: '/synthetic',
      provider: 'cpu',
      image: { sample: 'x.png' },
      prompt: 'what?',
      maxNewTokens: 3,
    });
    unsub();
    await until(() => studio.store.getState().stats !== null);
    const s = studio.store.getState();
    expect(new Set(progress)).toEqual(new Set(['preprocess', 'vision', 'prefill', 'decode', 'statistics']));
    expect(s.run.state).toBe('idle');
    expect(s.recording?.recordingId).toBe(rec.info.recordingId);
    // the last prompt token is selected so the overlay has a row to show
    expect(s.params.queryToken).toBe(rec.info.dims.m - 1);
    await openRecording(rec.info);
    expect(api.calls.filter((c) => c === 'getStats')).toHaveLength(2);
  });
});
