/**
 * The action log: the single path by which params change. It is the undo/redo history and, saved
 * with a session, the replay timeline (DESIGN.md §8). Each entry stores the patch and the values it
 * replaced, so undo is exact without snapshots of the whole state.
 *
 * A continuous gesture (a slider drag, a pan) passes a gesture id: consecutive dispatches with the same
 * id fold into one entry, so one undo reverts the whole drag while every intermediate value still
 * reaches the views.
 */
import type { StateCreator } from 'zustand';
import type { EngineResult } from '../../../analysis/engine/api';
import type { Evaluation } from './derivedSlice';
import { applyParamsPatch, type Params } from './paramsSlice';
import type { StudioState } from './store';

/**
 * Every kind of user action. `evaluate` records a finished policy evaluation with its result (it
 * needed the model), so redo and replay restore it without one; `annotate` is a note that replays as
 * a caption.
 */
export type Action =
  | { type: 'setParams'; patch: Partial<Params> }
  | { type: 'annotate'; text: string }
  | {
      type: 'evaluate';
      /** The evaluation's key (`evaluationKey`: policy and every input of its kept sets). */
      key: string;
      policy: string;
      budgetLabel: string;
      result: EngineResult<'evaluatePolicy'>;
    };

export const ACTION_TYPES: readonly Action['type'][] = ['setParams', 'annotate', 'evaluate'];

export interface LogEntry {
  /** Milliseconds since the log started. */
  t: number;
  action: Action;
  /** For setParams: the params the patch overwrote (all keys that changed, linked ones included). */
  before?: Partial<Params>;
  /** The gesture this entry folds (see above). */
  gesture?: string;
}

export interface ActionLogSlice {
  log: LogEntry[];
  /** Number of entries in effect; entries past it are redoable. */
  cursor: number;
  logStart: number;
}

export const createActionLogSlice: StateCreator<StudioState, [], [], ActionLogSlice> = () => ({
  log: [],
  cursor: 0,
  logStart: Date.now(),
});

/** Params values are scalars or small plain objects/arrays; compare those by content. */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

function diffKeys(a: Params, b: Params): (keyof Params)[] {
  return (Object.keys(b) as (keyof Params)[]).filter((k) => !sameValue(a[k], b[k]));
}

type SetState = (fn: (s: StudioState) => Partial<StudioState>) => void;

/** The evaluations after applying (or, with `undo`, reverting) an entry. */
function evaluationsAfter(
  evaluations: Record<string, Evaluation>,
  action: Action,
  undo: boolean,
): Record<string, Evaluation> {
  if (action.type !== 'evaluate') return evaluations;
  const next = { ...evaluations };
  if (undo) delete next[action.key];
  else
    next[action.key] = {
      state: 'done',
      policy: action.policy,
      budgetLabel: action.budgetLabel,
      result: action.result,
    };
  return next;
}

/** The caption in force at `cursor`: the text of the last annotation applied, if any. */
export function captionAt(log: readonly LogEntry[], cursor: number): { text: string; index: number } | null {
  for (let i = Math.min(cursor, log.length) - 1; i >= 0; i--) {
    const a = log[i].action;
    if (a.type === 'annotate') return { text: a.text, index: i };
  }
  return null;
}

export function makeActions(set: SetState, get: () => StudioState) {
  const api = {
    /** Records and applies an action; a new action drops the redo tail. */
    dispatch(action: Action, now = Date.now(), gesture?: string) {
      const s = get();
      const entry: LogEntry = { t: now - s.logStart, action };
      if (gesture) entry.gesture = gesture;
      let params = s.params;
      if (action.type === 'setParams') {
        const next = applyParamsPatch(params, action.patch);
        const changed = diffKeys(params, next);
        if (changed.length === 0) return;
        entry.before = Object.fromEntries(changed.map((k) => [k, params[k]])) as Partial<Params>;
        params = next;
        const last = s.log[s.cursor - 1];
        if (
          gesture &&
          last?.gesture === gesture &&
          s.cursor === s.log.length &&
          last.action.type === 'setParams'
        ) {
          // Fold into the gesture's entry: the first values replaced are the ones undo restores.
          const folded: LogEntry = {
            t: last.t,
            gesture,
            action: { type: 'setParams', patch: { ...last.action.patch, ...action.patch } },
            before: { ...entry.before, ...last.before },
          };
          set(() => ({ params, log: [...s.log.slice(0, s.cursor - 1), folded] }));
          return;
        }
      }
      set(() => ({
        params,
        evaluations: evaluationsAfter(s.evaluations, action, false),
        log: [...s.log.slice(0, s.cursor), entry],
        cursor: s.cursor + 1,
      }));
    },
    undo() {
      const s = get();
      if (s.cursor === 0) return;
      const entry = s.log[s.cursor - 1];
      const params = entry.before ? { ...s.params, ...entry.before } : s.params;
      set(() => ({
        params,
        evaluations: evaluationsAfter(s.evaluations, entry.action, true),
        cursor: s.cursor - 1,
      }));
    },
    redo() {
      const s = get();
      if (s.cursor >= s.log.length) return;
      const entry = s.log[s.cursor];
      const params =
        entry.action.type === 'setParams' ? applyParamsPatch(s.params, entry.action.patch) : s.params;
      set(() => ({
        params,
        evaluations: evaluationsAfter(s.evaluations, entry.action, false),
        cursor: s.cursor + 1,
      }));
    },
    /** Moves the cursor to `step` (0 … log length) by undoing or redoing: replay's step and scrub. */
    seek(step: number) {
      const target = Math.max(0, Math.min(step, get().log.length));
      while (get().cursor < target) api.redo();
      while (get().cursor > target) api.undo();
    },
    /**
     * Replaces the log with an opened session's timeline, its params being the state at its end
     * (the cursor goes to the end, so replay starts by seeking back).
     */
    restore(params: Params, log: LogEntry[]) {
      let evaluations: Record<string, Evaluation> = {};
      for (const e of log) evaluations = evaluationsAfter(evaluations, e.action, false);
      // New actions continue the timeline after its last entry.
      const logStart = Date.now() - (log.at(-1)?.t ?? 0);
      set(() => ({ params, log, cursor: log.length, logStart, evaluations }));
    },
  };
  return api;
}
