/**
 * One animation frame for every canvas (as speedscope's canvas-context does): views register draw
 * handlers by key and request a frame; all requests made before the frame fold into one
 * `requestAnimationFrame`, and each handler runs at most once in it, after React has committed.
 */
type Draw = () => void;

export interface FrameScheduler {
  request(key: string, draw: Draw): void;
  cancel(key: string): void;
  /** Runs everything pending now (tests, and `flush` before a screenshot). */
  flush(): void;
  /** Number of frames actually run (for the UI benchmark). */
  readonly frames: number;
}

export function createFrameScheduler(
  raf: (cb: () => void) => unknown = (cb) => requestAnimationFrame(cb),
): FrameScheduler {
  const pending = new Map<string, Draw>();
  let scheduled = false;
  let frames = 0;
  const run = () => {
    scheduled = false;
    if (pending.size === 0) return;
    frames++;
    const draws = [...pending.values()];
    pending.clear();
    for (const d of draws) d();
  };
  return {
    request(key, draw) {
      pending.set(key, draw);
      if (!scheduled) {
        scheduled = true;
        raf(run);
      }
    },
    cancel(key) {
      pending.delete(key);
    },
    flush: run,
    get frames() {
      return frames;
    },
  };
}

export const frames = createFrameScheduler();
