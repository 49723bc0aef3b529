import { describe, expect, it } from 'vitest';
import { progressLine } from '../../../../analysis/cli/progressBar';

function logStream() {
  const lines: string[] = [];
  return { lines, stream: { isTTY: false, write: (s: string) => lines.push(s) } };
}

describe('progressLine outside a terminal', () => {
  it('prints a line per stage change and per further 10 %, not per update', () => {
    const { lines, stream } = logStream();
    const bar = progressLine(stream, () => 0);
    for (let i = 0; i <= 100; i++) bar.update(`eval ${i}/100 items`, i / 100);
    bar.update('write results', 1);
    expect(lines).toEqual([
      'eval 0/100 items\n',
      ...[10, 20, 30, 40, 50, 60, 70, 80, 90, 100].map((i) => `eval ${i}/100 items\n`),
      'write results\n',
    ]);
  });

  it('prints at least every 30 s while updates come', () => {
    const { lines, stream } = logStream();
    let t = 0;
    const bar = progressLine(stream, () => t);
    bar.update('eval 0/600 items', 0);
    t = 29_999;
    bar.update('eval 1/600 items', 1 / 600);
    t = 30_000;
    bar.update('eval 2/600 items', 2 / 600);
    t = 45_000;
    bar.update('eval 3/600 items', 3 / 600);
    t = 60_000;
    bar.update('eval 4/600 items', 4 / 600);
    expect(lines).toEqual(['eval 0/600 items\n', 'eval 2/600 items\n', 'eval 4/600 items\n']);
  });

  it('redraws one line on a terminal and clears it when done', () => {
    const lines: string[] = [];
    const bar = progressLine({ isTTY: true, write: (s: string) => lines.push(s) }, () => 1500);
    bar.update('decode 1/8', 0.5);
    bar.done('ok');
    expect(lines[0]).toBe(`\r[${'#'.repeat(14)}${'.'.repeat(14)}]  50% ${'decode 1/8'.padEnd(24)} 0.0s`);
    expect(lines.slice(1)).toEqual(['\r\x1b[2K', 'ok\n']);
  });
});
