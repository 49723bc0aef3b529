/**
 * The Run panel's arithmetic: the staged progress of a run (preprocess, vision, prefill, decode i/N,
 * statistics; DESIGN §4) from the engine's last progress event, and the stage timings of a finished
 * recording in run order.
 */
import type { RunProgressEvent } from '../../../../analysis/engine/api';

export const STAGES = ['preprocess', 'vision', 'prefill', 'decode', 'statistics'] as const;
export type Stage = (typeof STAGES)[number];

export interface StageState {
  stage: Stage;
  state: 'done' | 'active' | 'pending';
  label: string;
}

export function runStages(p: RunProgressEvent | null): StageState[] {
  const at = p ? STAGES.indexOf(p.stage) : -1;
  return STAGES.map((stage, i) => ({
    stage,
    state: i < at ? 'done' : i === at ? 'active' : 'pending',
    label:
      stage === 'decode' && i === at && p?.step !== undefined && p.total !== undefined
        ? `decode ${p.step}/${p.total}`
        : stage,
  }));
}

/** Overall fraction 0..1 (clamped) of a progress event. */
export function runFraction(p: RunProgressEvent | null): number {
  return p ? Math.max(0, Math.min(1, p.fraction)) : 0;
}

/** Stage timings in run order, then any other entries, with the total. */
export function orderedTimings(timings: Record<string, number>): {
  rows: { name: string; ms: number }[];
  total: number;
} {
  const known = STAGES.filter((s) => s in timings).map((name) => ({ name, ms: timings[name] }));
  const other = Object.keys(timings)
    .filter((k) => !(STAGES as readonly string[]).includes(k))
    .map((name) => ({ name, ms: timings[name] }));
  const rows = [...known, ...other];
  return { rows, total: known.reduce((a, r) => a + r.ms, 0) };
}

/** A short time label: "850 ms", "2.4 s". */
export function msLabel(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
}
