/**
 * Plays the action log forward from its cursor, each step after the time the user took between
 * the two actions (clamped, so a pause of minutes does not stall the replay and a burst stays
 * visible). The log's cursor is the replay position: stepping is redo, stepping back undo.
 */
import type { LogEntry } from '../stores/actionLog';

export const MIN_STEP_MS = 200;
export const MAX_STEP_MS = 1500;

/** Milliseconds to wait before applying entry `next` (the one at the cursor). */
export function replayDelay(log: readonly LogEntry[], next: number, speed = 1): number {
  if (next <= 0 || next >= log.length) return MIN_STEP_MS / speed;
  const dt = log[next].t - log[next - 1].t;
  return Math.min(MAX_STEP_MS, Math.max(MIN_STEP_MS, dt)) / speed;
}

export interface Player {
  play(): void;
  pause(): void;
  readonly playing: boolean;
}

/** A player over a store's log; `onChange` hears play/pause (for the button's label). */
export function createPlayer(
  get: () => { log: LogEntry[]; cursor: number },
  step: () => void,
  onChange: (playing: boolean) => void,
  speed = () => 1,
): Player {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const stop = () => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    onChange(false);
  };
  const tick = () => {
    const s = get();
    if (s.cursor >= s.log.length) return stop();
    timer = setTimeout(
      () => {
        step();
        tick();
      },
      replayDelay(s.log, s.cursor, speed()),
    );
  };
  return {
    play() {
      if (timer !== null) return;
      const s = get();
      if (s.log.length === 0) return;
      onChange(true);
      tick();
    },
    pause: stop,
    get playing() {
      return timer !== null;
    },
  };
}
