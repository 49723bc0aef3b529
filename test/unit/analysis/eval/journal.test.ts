import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ResultsFormatError, ResultsMismatchError } from '../../../../analysis/eval/errors';
import {
  type Fingerprint,
  fingerprintDifferences,
  Journal,
  journalPath,
  parseJournal,
  readFinished,
} from '../../../../analysis/eval/journal';
import type { EvalItemResult } from '../../../../analysis/eval/results';
import { sweepSettings } from '../../../../analysis/eval/sweep';

const fp: Fingerprint = {
  format: 'vlcache-eval/1',
  appVersion: '0.1.0',
  onnxruntime: '1.30.0',
  provider: 'cpu',
  model: { name: 'm', hashes: { 'a.onnx': 'sha256:00' } },
  settings: sweepSettings({ policies: ['full', 'h2o'], budgets: [1000, 10000] }),
};
const item = (line: number): EvalItemResult => ({
  line,
  key: `k${line}`,
  image: 'a.png',
  task: 'colour',
  question: 'q',
  answer: 'the star is red',
  m: 10,
  full: { text: 't', ids: [1], stoppedBy: 'eos', score: 1, answerPart: 'red', leadInMatch: true },
  cells: [],
  decodes: 1,
});

let dir: string;
let out: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vlc-journal-'));
  out = join(dir, 'r.json');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('parseJournal', () => {
  const header = `${JSON.stringify({ type: 'header', fingerprint: fp })}\n`;
  const itemLine = (n: number) => `${JSON.stringify({ type: 'item', result: item(n), at: n })}\n`;

  it('drops an unterminated last line and reports where the good part ends', () => {
    const good = header + itemLine(0) + itemLine(1);
    const p = parseJournal('j', Buffer.from(`${good}{"type":"item","res`));
    expect(p.lines.map((l) => l.type)).toEqual(['header', 'item', 'item']);
    expect(p.goodBytes).toBe(Buffer.byteLength(good));
    expect(p.header).toEqual(fp);
  });

  it('drops a terminated but unparsable last line too, and rejects a bad line in the middle', () => {
    expect(parseJournal('j', Buffer.from(`${header}{"ty\n`)).lines).toHaveLength(1);
    expect(() => parseJournal('j', Buffer.from(`${header}{"ty\n${itemLine(0)}`))).toThrow(ResultsFormatError);
    expect(() => parseJournal('j', Buffer.from(itemLine(0)))).toThrow(/first line is not a header/);
  });

  it('reads an empty journal as nothing', () => {
    expect(parseJournal('j', Buffer.alloc(0))).toEqual({ header: null, lines: [], goodBytes: 0 });
  });
});

describe('Journal', () => {
  it('cuts a torn last line off before appending, so later lines stay readable', () => {
    const j = Journal.open(out, fp);
    j.append({ type: 'item', result: item(0), at: 1 });
    j.close();
    writeFileSync(journalPath(out), `${readFileSync(journalPath(out), 'utf8')}{"type":"it`);
    const j2 = Journal.open(out, fp);
    j2.append({ type: 'item', result: item(1), at: 2 });
    j2.close();
    const p = parseJournal('j', readFileSync(journalPath(out)));
    expect(p.lines.map((l) => (l.type === 'item' ? l.result.line : l.type))).toEqual(['header', 0, 1]);
  });
});

describe('readFinished', () => {
  it('collects items from the journal with per-session counts', () => {
    const j = Journal.open(out, fp);
    j.append({ type: 'session', startedAt: 'T0', workers: 2, at: 1000 });
    j.append({ type: 'item', result: item(0), at: 3000 });
    j.append({
      type: 'failed',
      failure: { line: 1, key: 'k1', image: 'b.png', task: 'colour', code: 'bad-input', message: 'x' },
      at: 4500,
    });
    j.close();
    const f = readFinished(out, fp);
    expect([...f.results.keys()]).toEqual(['k0']);
    expect([...f.failures.keys()]).toEqual(['k1']);
    expect(f.sessions).toEqual([{ startedAt: 'T0', items: 2, workers: 2, wallSeconds: 3.5 }]);
  });

  it('refuses a journal or results file made with another model, naming the difference', () => {
    Journal.open(out, fp).close();
    const other = { ...fp, model: { name: 'm', hashes: { 'a.onnx': 'sha256:11' } } };
    expect(() => readFinished(out, other)).toThrow(ResultsMismatchError);
    expect(fingerprintDifferences(fp, other)).toEqual([
      'model.hashes: {"a.onnx":"sha256:00"} → {"a.onnx":"sha256:11"}',
    ]);
    rmSync(journalPath(out));
    writeFileSync(out, '{"format":"something-else","items":[]}');
    expect(() => readFinished(out, fp)).toThrow(/not an eval results file/);
    expect(existsSync(journalPath(out))).toBe(false);
  });

  it('lists every differing setting', () => {
    const other = {
      ...fp,
      provider: 'webgpu',
      settings: { ...fp.settings, windowFraction: 0, mode: 'keyBias' as const },
    };
    expect(fingerprintDifferences(fp, other)).toEqual([
      'provider: "cpu" → "webgpu"',
      'settings.mode: "compact" → "keyBias"',
      'settings.windowFraction: 10 → 0',
    ]);
  });
});
