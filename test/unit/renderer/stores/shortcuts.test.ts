import { describe, expect, it } from 'vitest';
import { type KeyInput, keyOutcome } from '../../../../renderer/src/app/shortcuts';
import { DEFAULT_PARAMS } from '../../../../renderer/src/stores/paramsSlice';

const key = (k: string, mods: Partial<KeyInput> = {}): KeyInput => ({
  key: k,
  ctrl: false,
  meta: false,
  shift: false,
  alt: false,
  inField: false,
  ...mods,
});
const dims = { L: 4, H: 3, n: 10 };

describe('keyboard shortcuts', () => {
  it('steps layers within range', () => {
    expect(keyOutcome(key(']'), DEFAULT_PARAMS, dims)).toEqual({ kind: 'params', patch: { layer: 1 } });
    expect(keyOutcome(key('['), DEFAULT_PARAMS, dims)).toBeNull();
    expect(keyOutcome(key(']'), { ...DEFAULT_PARAMS, layer: 3 }, dims)).toBeNull();
  });

  it('cycles heads through the mean', () => {
    expect(keyOutcome(key('.'), DEFAULT_PARAMS, dims)).toEqual({ kind: 'params', patch: { head: 0 } });
    expect(keyOutcome(key('.'), { ...DEFAULT_PARAMS, head: 2 }, dims)).toEqual({
      kind: 'params',
      patch: { head: 'mean' },
    });
    expect(keyOutcome(key(','), DEFAULT_PARAMS, dims)).toEqual({ kind: 'params', patch: { head: 2 } });
    expect(keyOutcome(key(','), { ...DEFAULT_PARAMS, head: 0 }, dims)).toEqual({
      kind: 'params',
      patch: { head: 'mean' },
    });
    expect(keyOutcome(key('m'), { ...DEFAULT_PARAMS, head: 1 }, dims)).toEqual({
      kind: 'params',
      patch: { head: 'mean' },
    });
  });

  it('steps the query token and maps undo/redo', () => {
    expect(keyOutcome(key('ArrowRight'), { ...DEFAULT_PARAMS, queryToken: 9 }, dims)).toBeNull();
    expect(keyOutcome(key('ArrowLeft'), { ...DEFAULT_PARAMS, queryToken: 9 }, dims)).toEqual({
      kind: 'params',
      patch: { queryToken: 8 },
    });
    expect(keyOutcome(key('z', { ctrl: true }), DEFAULT_PARAMS, null)).toEqual({ kind: 'undo' });
    expect(keyOutcome(key('Z', { meta: true, shift: true }), DEFAULT_PARAMS, null)).toEqual({ kind: 'redo' });
    expect(keyOutcome(key('y', { ctrl: true }), DEFAULT_PARAMS, null)).toEqual({ kind: 'redo' });
  });

  it('leaves typing in fields alone and does nothing without a recording', () => {
    expect(keyOutcome(key(']', { inField: true }), DEFAULT_PARAMS, dims)).toBeNull();
    expect(keyOutcome(key('z', { ctrl: true, inField: true }), DEFAULT_PARAMS, dims)).toBeNull();
    expect(keyOutcome(key(']'), DEFAULT_PARAMS, null)).toBeNull();
  });
});
