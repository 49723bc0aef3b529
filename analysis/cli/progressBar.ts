/**
 * A terminal progress bar for long commands: redraws one line on a TTY; elsewhere (CI logs, pipes)
 * prints one line per stage so logs stay short.
 */
export interface ProgressLine {
  update(label: string, fraction: number): void;
  done(message?: string): void;
}

export function progressLine(stream: NodeJS.WriteStream = process.stderr): ProgressLine {
  const tty = stream.isTTY === true;
  let lastLabel = '';
  const start = Date.now();
  return {
    update(label, fraction) {
      const f = Math.max(0, Math.min(1, fraction));
      if (tty) {
        const width = 28;
        const filled = Math.round(f * width);
        const secs = ((Date.now() - start) / 1000).toFixed(1);
        stream.write(
          `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(f * 100).toFixed(0).padStart(3)}% ${label.padEnd(24)} ${secs}s`,
        );
      } else {
        const stage = label.split(' ')[0];
        if (stage !== lastLabel) stream.write(`${label}\n`);
        lastLabel = stage;
      }
    },
    done(message) {
      if (tty) stream.write('\r\x1b[2K');
      if (message) stream.write(`${message}\n`);
    },
  };
}
