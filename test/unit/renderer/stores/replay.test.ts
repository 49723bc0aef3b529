import { describe, expect, it } from 'vitest';
import { decodeSession, encodeSession } from '../../../../analysis/session/sessionCodec';
import type { EngineResult } from '../../../../analysis/engine/api';
import { replayDelay } from '../../../../renderer/src/session/replayPlayer';
import { captionAt } from '../../../../renderer/src/stores/actionLog';
import { DEFAULT_PARAMS } from '../../../../renderer/src/stores/paramsSlice';
import { createStudioStore } from '../../../../renderer/src/stores/store';
import { loadTimeline, TimelineError, timelineOf } from '../../../../renderer/src/stores/timeline';
import { syntheticRecording } from '../../../helpers/syntheticRecording';

const result: EngineResult<'evaluatePolicy'> = {
  ids: [3, 4],
  text: 'a red circle',
  stoppedBy: 'eos',
  exactMatch: false,
  agreement: 0.5,
  firstDivergence: 1,
  meanKl: 0.25,
  top1Agreement: 0.5,
  keptTokens: 12,
  keptBytes: 1024,
  fullBytes: 4096,
};

/** What replay must reproduce at each step. */
const snapshot = (s: ReturnType<ReturnType<typeof createStudioStore>['store']['getState']>) =>
  structuredClone({ params: s.params, evaluations: s.evaluations, caption: captionAt(s.log, s.cursor) });

/** A user session: selection, view and parameter changes, a drag, a note, an evaluation, an undo. */
function recordSession() {
  const { store, actions } = createStudioStore();
  const t0 = store.getState().logStart;
  const states = [snapshot(store.getState())];
  const step = (fn: () => void) => {
    fn();
    states.push(snapshot(store.getState()));
  };
  step(() => actions.dispatch({ type: 'setParams', patch: { layer: 1, queryToken: 7 } }, t0 + 100));
  step(() => actions.dispatch({ type: 'setParams', patch: { head: 3 } }, t0 + 400));
  // A drag folds into one entry.
  for (const [i, bp] of [900, 700, 500].entries())
    actions.dispatch(
      { type: 'setParams', patch: { budget: { kind: 'percent', basisPoints: bp } } },
      t0 + 900 + i * 10,
      'drag-1',
    );
  states.push(snapshot(store.getState()));
  step(() => actions.dispatch({ type: 'annotate', text: 'budget halved: recall holds' }, t0 + 1500));
  step(() =>
    actions.dispatch({ type: 'setParams', patch: { viewEdge: 100, colourScale: 'linear' } }, t0 + 2000),
  );
  step(() =>
    actions.dispatch(
      { type: 'evaluate', key: '["r","h2o"]', policy: 'h2o', budgetLabel: '5.00 %', result },
      t0 + 2600,
    ),
  );
  step(() =>
    actions.dispatch(
      { type: 'setParams', patch: { policies: ['h2o', 'snapkv'], attentionMode: 'overview' } },
      t0 + 3000,
    ),
  );
  // An undone action is not part of the session.
  actions.dispatch({ type: 'setParams', patch: { nSink: 8 } }, t0 + 3500);
  actions.undo();
  return { store, states };
}

describe('replay', () => {
  it('restores the recorded state at every step after a save and open', () => {
    const { store, states } = recordSession();
    const s = store.getState();
    const rec = syntheticRecording({ seed: 5 });
    const bytes = encodeSession(rec, {
      params: s.params as unknown as Record<string, unknown>,
      timeline: timelineOf(s.log, s.cursor),
    });
    const opened = decodeSession(bytes);
    expect(opened.timeline[5].result).toEqual(result);

    const fresh = createStudioStore();
    const restored = loadTimeline(opened.params, opened.timeline, opened.recording.dims);
    fresh.actions.restore(restored.params, restored.log);
    expect(fresh.store.getState().log).toHaveLength(states.length - 1);
    expect(snapshot(fresh.store.getState())).toEqual(states.at(-1));
    fresh.actions.seek(0);
    expect(snapshot(fresh.store.getState())).toEqual(states[0]);
    expect(fresh.store.getState().params).toEqual(DEFAULT_PARAMS);
    for (let i = 1; i < states.length; i++) {
      fresh.actions.redo();
      expect(snapshot(fresh.store.getState()), `step ${i}`).toEqual(states[i]);
    }
    // Scrubbing backwards lands on the same states.
    for (const i of [4, 1, 6, 0, 3]) {
      fresh.actions.seek(i);
      expect(snapshot(fresh.store.getState()), `seek ${i}`).toEqual(states[i]);
    }
    expect(captionAt(fresh.store.getState().log, 4)?.text).toBe('budget halved: recall holds');
  });

  it('refuses bad timelines with a specific error', () => {
    const dims = { L: 2, H: 4, m: 20, G: 3 };
    const entry = (action: unknown, extra: object = {}) => [{ t: 1, action, ...extra }];
    const bad: [unknown, unknown, RegExp][] = [
      [
        {},
        entry({ type: 'setParams', patch: { layer: 5 } }, { before: { layer: 0 } }),
        /entry 0: layer 5 does not exist \(the recording has 2 layers\)/,
      ],
      [{}, entry({ type: 'zoomTo', x: 1 }), /entry 0: unknown action type "zoomTo"/],
      [
        {},
        entry({ type: 'setParams', patch: { head: 9 } }, { before: { head: 'mean' } }),
        /head 9 does not exist/,
      ],
      [
        {},
        entry({ type: 'setParams', patch: { queryToken: 23 } }, { before: {} }),
        /query token 23 does not exist/,
      ],
      [{}, entry({ type: 'setParams', patch: { layer: 1 } }), /setParams without before/],
      [{}, entry({ type: 'setParams', patch: { warp: 1 } }, { before: {} }), /unknown parameter warp/],
      [
        {},
        entry({ type: 'evaluate', key: 'k', policy: 'h2o', budgetLabel: '' }),
        /evaluation result is malformed/,
      ],
      [{ layer: 7 }, [], /session params: layer 7 does not exist/],
      [{}, { not: 'an array' }, /timeline is not an array/],
      [
        {},
        [
          { t: 5, action: { type: 'annotate', text: 'a' } },
          { t: 2, action: { type: 'annotate', text: 'b' } },
        ],
        /entry 1: time 2/,
      ],
    ];
    for (const [params, timeline, message] of bad) {
      const e = (() => {
        try {
          loadTimeline(params, timeline, dims);
        } catch (err) {
          return err;
        }
        return null;
      })();
      expect(e, String(message)).toBeInstanceOf(TimelineError);
      expect((e as Error).message).toMatch(message);
    }
  });

  it('waits between steps as the user did, within bounds', () => {
    const log = [0, 50, 900, 60_000].map((t) => ({ t, action: { type: 'annotate' as const, text: '' } }));
    expect(replayDelay(log, 1)).toBe(200);
    expect(replayDelay(log, 2)).toBe(850);
    expect(replayDelay(log, 3)).toBe(1500);
    expect(replayDelay(log, 2, 2)).toBe(425);
  });
});
