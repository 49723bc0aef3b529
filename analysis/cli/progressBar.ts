/**
 * A terminal progress bar for long commands: redraws one line on a TTY; elsewhere (CI logs, pipes)
 * prints a line when the stage changes, at each further 10 %, and at least every 30 s while updates
 * come, so a log of an hours-long sweep still says how far it got without growing per item.
 */
export interface ProgressLine {
  update(label: string, fraction: number): void;
  done(message?: string): void;
}

/** The parts of a stream the bar uses (process.stderr by default). */
export interface ProgressStream {
  isTTY?: boolean;
  write(chunk: string): unknown;
}

const LOG_INTERVAL_MS = 30_000;

export function progressLine(
  stream: ProgressStream = process.stderr,
  now: () => number = Date.now,
): ProgressLine {
  const tty = stream.isTTY === true;
  const start = now();
  let lastStage: string | null = null;
  let lastDecile = -1;
  let lastAt = start;
  return {
    update(label, fraction) {
      const f = Math.max(0, Math.min(1, fraction));
      if (tty) {
        const width = 28;
        const filled = Math.round(f * width);
        const secs = ((now() - start) / 1000).toFixed(1);
        stream.write(
          `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(f * 100).toFixed(0).padStart(3)}% ${label.padEnd(24)} ${secs}s`,
        );
        return;
      }
      const stage = label.split(' ')[0];
      const decile = Math.floor(f * 10);
      const t = now();
      if (stage !== lastStage || decile > lastDecile || t - lastAt >= LOG_INTERVAL_MS) {
        stream.write(`${label}\n`);
        lastAt = t;
      }
      if (stage !== lastStage) lastDecile = decile;
      else lastDecile = Math.max(lastDecile, decile);
      lastStage = stage;
    },
    done(message) {
      if (tty) stream.write('\r\x1b[2K');
      if (message) stream.write(`${message}\n`);
    },
  };
}
