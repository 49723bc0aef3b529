import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EvalSetError } from '../../../../analysis/eval/errors';
import { loadEvalSet, selectItems } from '../../../../analysis/eval/evalSet';
import { appRoot } from '../../../../analysis/engine/appRoot';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vlc-set-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const line = (o: unknown) => JSON.stringify(o);
const good = (image: string, extra: Record<string, unknown> = {}) =>
  line({ image, question: 'what colour is the star?', answer: 'the star is red', task: 'colour', ...extra });

describe('loadEvalSet', () => {
  it('reports every bad line with its number and code, skips it and keeps the rest', async () => {
    writeFileSync(join(dir, 'a.png'), 'png-bytes-a');
    writeFileSync(join(dir, 'b.png'), 'png-bytes-b');
    writeFileSync(join(dir, 'empty.png'), '');
    writeFileSync(
      join(dir, 'items.jsonl'),
      [
        good('a.png'), // 1 ok
        '{"image": "a.png", "question": ', // 2 not JSON
        '', // 3 blank: ignored
        line(['a.png']), // 4 not an object
        line({ image: 'a.png', question: 'what colour is the star?', task: 'colour' }), // 5 no answer
        good('missing.png'), // 6 image not there
        good('a.png', { task: 'smell' }), // 7 unknown task
        good('a.png', { answer: 'red' }), // 8 answer not a colour sentence
        good('empty.png'), // 9 empty image
        good('b.png', { question: '   ' }), // 10 blank question
        good('b.png', { task: 'caption', answer: 'a red star' }), // 11 ok
        '', // trailing newline
      ].join('\n'),
    );
    const set = await loadEvalSet(dir);
    expect(set.items.map((it) => [it.line + 1, it.image, it.task])).toEqual([
      [1, 'a.png', 'colour'],
      [11, 'b.png', 'caption'],
    ]);
    expect(set.lines).toBe(10);
    expect(set.skipped.map((s) => [s.lineNumber, s.code])).toEqual([
      [2, 'not-json'],
      [4, 'not-object'],
      [5, 'missing-field'],
      [6, 'missing-image'],
      [7, 'unknown-task'],
      [8, 'bad-answer'],
      [9, 'missing-image'],
      [10, 'missing-field'],
    ]);
    expect(set.skipped[2].message).toBe('no answer');
    expect(set.skipped[3].message).toMatch(/missing\.png: ENOENT/);
    expect(set.skipped[4].message).toMatch(/unknown task smell \(known: colour, shape/);
    expect(set.items[0].imagePath).toBe(join(dir, 'a.png'));
  });

  it('identifies an item by line, image bytes and text, so a changed image or line is a new item', async () => {
    writeFileSync(join(dir, 'a.png'), 'one');
    writeFileSync(join(dir, 'items.jsonl'), `${good('a.png')}\n${good('a.png')}\n`);
    const [x1, y1] = (await loadEvalSet(dir)).items;
    expect(x1.key).not.toBe(y1.key); // same text, other line
    expect((await loadEvalSet(dir)).items[0].key).toBe(x1.key);
    writeFileSync(join(dir, 'a.png'), 'two');
    expect((await loadEvalSet(dir)).items[0].key).not.toBe(x1.key);
  });

  it('fails only when there is no items.jsonl', async () => {
    await expect(loadEvalSet(join(dir, 'nowhere'))).rejects.toThrow(EvalSetError);
    await expect(loadEvalSet(dir)).rejects.toThrow(/there is no items\.jsonl/);
  });

  it('selects the first N usable items', async () => {
    writeFileSync(join(dir, 'a.png'), 'x');
    writeFileSync(
      join(dir, 'items.jsonl'),
      [good('gone.png'), good('a.png'), good('a.png'), good('a.png')].join('\n'),
    );
    const set = await loadEvalSet(dir);
    expect(selectItems(set, 2).map((it) => it.line)).toEqual([1, 2]);
    expect(selectItems(set).length).toBe(3);
  });

  it('reads the bundled eval set with no skipped line and every task', async () => {
    const set = await loadEvalSet(join(appRoot(), 'assets', 'eval'));
    expect(set.skipped).toEqual([]);
    expect(set.items.length).toBe(set.lines);
    expect(new Set(set.items.map((it) => it.task))).toEqual(
      new Set(['colour', 'shape', 'count', 'position', 'number', 'caption']),
    );
  });
});
