import { describe, expect, it } from 'vitest';
import { DEFAULT_PARAMS, sanitizeParams } from '../../../../renderer/src/stores/paramsSlice';
import { createStudioStore } from '../../../../renderer/src/stores/store';

describe('action log', () => {
  it('applies, undoes and redoes parameter changes exactly', () => {
    const { store, actions } = createStudioStore();
    actions.dispatch({ type: 'setParams', patch: { layer: 3 } }, store.getState().logStart + 10);
    actions.dispatch({ type: 'setParams', patch: { budget: { kind: 'tokens', perLayer: 64 } } });
    expect(store.getState().params.layer).toBe(3);
    expect(store.getState().log.map((e) => e.action.type)).toEqual(['setParams', 'setParams']);
    expect(store.getState().log[0].t).toBe(10);
    actions.undo();
    expect(store.getState().params.budget).toEqual(DEFAULT_PARAMS.budget);
    actions.undo();
    expect(store.getState().params).toEqual(DEFAULT_PARAMS);
    actions.undo(); // nothing left: no change
    expect(store.getState().cursor).toBe(0);
    actions.redo();
    actions.redo();
    expect(store.getState().params.layer).toBe(3);
    expect(store.getState().params.budget).toEqual({ kind: 'tokens', perLayer: 64 });
  });

  it('drops the redo tail when a new action follows an undo', () => {
    const { store, actions } = createStudioStore();
    actions.dispatch({ type: 'setParams', patch: { layer: 1 } });
    actions.dispatch({ type: 'setParams', patch: { layer: 2 } });
    actions.undo();
    actions.dispatch({ type: 'setParams', patch: { head: 5 } });
    expect(store.getState().log).toHaveLength(2);
    actions.redo();
    expect(store.getState().params).toMatchObject({ layer: 1, head: 5 });
  });

  it('keeps pView and pAlloc linked by default and undoes both together', () => {
    const { store, actions } = createStudioStore();
    actions.dispatch({ type: 'setParams', patch: { viewEdge: 100 } });
    expect(store.getState().params).toMatchObject({ viewEdge: 100, allocEdge: 100 });
    actions.undo();
    expect(store.getState().params).toMatchObject({ viewEdge: 120, allocEdge: 120 });
    actions.dispatch({ type: 'setParams', patch: { linkThresholds: false } });
    actions.dispatch({ type: 'setParams', patch: { viewEdge: 90 } });
    expect(store.getState().params).toMatchObject({ viewEdge: 90, allocEdge: 120 });
  });

  it('does not log a change that changes nothing', () => {
    const { store, actions } = createStudioStore();
    actions.dispatch({ type: 'setParams', patch: { layer: 0 } });
    expect(store.getState().log).toHaveLength(0);
  });
});

describe('gestures', () => {
  it('folds a drag into one entry that undo reverts as a whole', () => {
    const { store, actions } = createStudioStore();
    for (const bp of [900, 800, 700, 500])
      actions.dispatch(
        { type: 'setParams', patch: { budget: { kind: 'percent', basisPoints: bp } } },
        Date.now(),
        'g1',
      );
    expect(store.getState().log).toHaveLength(1);
    expect(store.getState().params.budget).toEqual({ kind: 'percent', basisPoints: 500 });
    actions.dispatch(
      { type: 'setParams', patch: { budget: { kind: 'percent', basisPoints: 300 } } },
      Date.now(),
      'g2',
    );
    expect(store.getState().log).toHaveLength(2);
    actions.undo();
    expect(store.getState().params.budget).toEqual({ kind: 'percent', basisPoints: 500 });
    actions.undo();
    expect(store.getState().params.budget).toEqual(DEFAULT_PARAMS.budget);
    actions.redo();
    expect(store.getState().params.budget).toEqual({ kind: 'percent', basisPoints: 500 });
  });

  it('keeps linked thresholds together through a folded drag', () => {
    const { store, actions } = createStudioStore();
    actions.dispatch({ type: 'setParams', patch: { viewEdge: 110 } }, Date.now(), 'g');
    actions.dispatch({ type: 'setParams', patch: { viewEdge: 100 } }, Date.now(), 'g');
    expect(store.getState().params).toMatchObject({ viewEdge: 100, allocEdge: 100 });
    actions.undo();
    expect(store.getState().params).toMatchObject({ viewEdge: 120, allocEdge: 120 });
  });

  it('does not fold into an entry after an undo', () => {
    const { store, actions } = createStudioStore();
    actions.dispatch({ type: 'setParams', patch: { layer: 1 } }, Date.now(), 'g');
    actions.undo();
    actions.dispatch({ type: 'setParams', patch: { layer: 2 } }, Date.now(), 'g');
    expect(store.getState().log).toHaveLength(1);
    actions.undo();
    expect(store.getState().params.layer).toBe(0);
  });

  it('treats a structurally equal object as no change', () => {
    const { store, actions } = createStudioStore();
    actions.dispatch({ type: 'setParams', patch: { budget: { kind: 'percent', basisPoints: 1000 } } });
    expect(store.getState().log).toHaveLength(0);
  });
});

describe('session params', () => {
  it('keeps known keys with valid values and drops the rest', () => {
    const p = sanitizeParams({
      layer: 3,
      head: 'mean',
      budget: { kind: 'tokens', perLayer: 40 },
      viewEdge: 500,
      granularity: 'layer',
      colourScale: 'rainbow',
      policies: ['h2o', 7],
      unknown: 1,
    });
    expect(p).toEqual({
      layer: 3,
      head: 'mean',
      budget: { kind: 'tokens', perLayer: 40 },
      granularity: 'layer',
    });
    expect(sanitizeParams(null)).toEqual({});
    expect(sanitizeParams({ budget: { kind: 'percent', basisPoints: 0 } })).toEqual({});
  });
});
