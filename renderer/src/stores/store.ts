/**
 * The one bound store, combined from its slices (zustand slices pattern). Actions live at module
 * level so transports and the worker bridge can call them outside components.
 */
import { createStore } from 'zustand/vanilla';
import { useStore } from 'zustand';
import { type ActionLogSlice, createActionLogSlice, makeActions } from './actionLog';
import { createDerivedSlice, type DerivedSlice } from './derivedSlice';
import { createParamsSlice, type ParamsSlice } from './paramsSlice';
import { createRecordingSlice, type RecordingSlice } from './recordingSlice';
import { createSessionSlice, type SessionSlice } from './sessionSlice';

export type StudioState = RecordingSlice & ParamsSlice & DerivedSlice & ActionLogSlice & SessionSlice;

export function createStudioStore() {
  const store = createStore<StudioState>()((...a) => ({
    ...createRecordingSlice(...a),
    ...createParamsSlice(...a),
    ...createDerivedSlice(...a),
    ...createActionLogSlice(...a),
    ...createSessionSlice(...a),
  }));
  const actions = makeActions((fn) => store.setState(fn(store.getState())), store.getState);
  return { store, actions };
}

export const studio = createStudioStore();
export const actions = studio.actions;

export function useStudio<T>(selector: (s: StudioState) => T): T {
  return useStore(studio.store, selector);
}
