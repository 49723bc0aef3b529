/**
 * A session's `timeline.json` (docs/session-format.md) to and from the action log. Saving writes the
 * log up to its cursor; opening checks every entry against the recording it comes with before
 * anything in the app changes, so a bad timeline names its first problem and leaves what is open as
 * it was. Each setParams entry must carry `before` (the values it replaced): replay reaches the
 * timeline's first state by undoing from the saved params, exactly as undo does.
 */
import { engineMethods } from '../../../analysis/engine/api';
import { ACTION_TYPES, type Action, type LogEntry } from './actionLog';
import { DEFAULT_PARAMS, type Params, sanitizeParams } from './paramsSlice';

/** A timeline (or the params saved with it) that cannot be replayed on its recording. */
export class TimelineError extends Error {
  readonly code = 'bad-timeline';
  readonly details: { entry: number | null };
  constructor(message: string, entry: number | null) {
    super(message);
    this.name = 'TimelineError';
    this.details = { entry };
  }
}

export interface TimelineDims {
  L: number;
  H: number;
  m: number;
  G: number;
}

/**
 * The log as `timeline.json` entries: the actions in effect (a redo tail is not part of a session).
 * An evaluation's result goes in the entry's `result`, as the format describes.
 */
export function timelineOf(log: readonly LogEntry[], cursor: number): Record<string, unknown>[] {
  return log.slice(0, cursor).map((e) => {
    const out = JSON.parse(JSON.stringify(e)) as Record<string, unknown> & {
      action: Record<string, unknown>;
    };
    if (e.action.type === 'evaluate') {
      const { result, ...action } = out.action;
      out.action = action;
      out.result = result;
    }
    return out;
  });
}

const PARAM_KEYS = new Set(Object.keys(DEFAULT_PARAMS));

/** Checks params values (a patch, its `before`, or the saved params) against shape and recording. */
function checkParams(raw: unknown, dims: TimelineDims, where: string, entry: number | null): Partial<Params> {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    throw new TimelineError(`${where}: params must be an object`, entry);
  const obj = raw as Record<string, unknown>;
  const clean = sanitizeParams(obj);
  for (const key of Object.keys(obj)) {
    if (!PARAM_KEYS.has(key)) throw new TimelineError(`${where}: unknown parameter ${key}`, entry);
    if (!(key in clean))
      throw new TimelineError(`${where}: invalid value for ${key}: ${JSON.stringify(obj[key])}`, entry);
  }
  if (clean.layer !== undefined && clean.layer >= dims.L)
    throw new TimelineError(
      `${where}: layer ${clean.layer} does not exist (the recording has ${dims.L} layers)`,
      entry,
    );
  if (typeof clean.head === 'number' && clean.head >= dims.H)
    throw new TimelineError(
      `${where}: head ${clean.head} does not exist (the recording has ${dims.H} heads)`,
      entry,
    );
  const n = dims.m + dims.G;
  if (typeof clean.queryToken === 'number' && clean.queryToken >= n)
    throw new TimelineError(
      `${where}: query token ${clean.queryToken} does not exist (the recording has ${n} tokens)`,
      entry,
    );
  return clean;
}

const evaluationResult = engineMethods.evaluatePolicy.result;

function checkAction(raw: unknown, result: unknown, dims: TimelineDims, where: string, i: number): Action {
  const a = raw as Record<string, unknown> | null;
  if (!a || typeof a !== 'object' || typeof a.type !== 'string')
    throw new TimelineError(`${where}: action has no type`, i);
  if (!(ACTION_TYPES as readonly string[]).includes(a.type))
    throw new TimelineError(
      `${where}: unknown action type ${JSON.stringify(a.type)} (known: ${ACTION_TYPES.join(', ')})`,
      i,
    );
  switch (a.type) {
    case 'setParams':
      return { type: 'setParams', patch: checkParams(a.patch, dims, where, i) };
    case 'annotate':
      if (typeof a.text !== 'string' || a.text.length > 10_000)
        throw new TimelineError(`${where}: an annotation needs a text of at most 10000 characters`, i);
      return { type: 'annotate', text: a.text };
    default: {
      // evaluate
      if (typeof a.key !== 'string' || typeof a.policy !== 'string' || typeof a.budgetLabel !== 'string')
        throw new TimelineError(`${where}: an evaluation needs key, policy and budgetLabel`, i);
      const r = evaluationResult.safeParse(result);
      if (!r.success)
        throw new TimelineError(
          `${where}: evaluation result is malformed: ${r.error.issues[0]?.message ?? 'invalid'}`,
          i,
        );
      return { type: 'evaluate', key: a.key, policy: a.policy, budgetLabel: a.budgetLabel, result: r.data };
    }
  }
}

/**
 * An opened session's params and timeline as the state to restore: the params at the timeline's end
 * and the log. Throws TimelineError naming the first bad entry; never touches the store.
 */
export function loadTimeline(
  rawParams: unknown,
  rawTimeline: unknown,
  dims: TimelineDims,
): { params: Params; log: LogEntry[] } {
  const params = { ...DEFAULT_PARAMS, ...checkParams(rawParams ?? {}, dims, 'session params', null) };
  if (!Array.isArray(rawTimeline)) throw new TimelineError('timeline is not an array', null);
  const log: LogEntry[] = [];
  let lastT = 0;
  rawTimeline.forEach((raw, i) => {
    const where = `timeline entry ${i}`;
    const e = raw as Record<string, unknown> | null;
    if (!e || typeof e !== 'object') throw new TimelineError(`${where}: not an object`, i);
    if (typeof e.t !== 'number' || !Number.isFinite(e.t) || e.t < lastT)
      throw new TimelineError(`${where}: time ${String(e.t)} is not a number ≥ the previous entry's`, i);
    lastT = e.t;
    const action = checkAction(e.action, e.result, dims, where, i);
    const entry: LogEntry = { t: e.t, action };
    if (typeof e.gesture === 'string') entry.gesture = e.gesture;
    if (action.type === 'setParams') {
      if (e.before === undefined)
        throw new TimelineError(`${where}: setParams without before (the values it replaced)`, i);
      entry.before = checkParams(e.before, dims, `${where} (before)`, i);
    }
    log.push(entry);
  });
  return { params, log };
}
