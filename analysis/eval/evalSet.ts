/**
 * An eval set: a folder with `items.jsonl`, one `{image, question, answer, task}` object per line,
 * image paths relative to the folder (assets/eval/ is the bundled one). Every line is checked on its
 * own: a line that is not JSON, lacks a field, names an image that is not there or a task that does
 * not exist, or whose answer does not fit its task's sentence, is reported with its line number and
 * skipped; the rest of the set is used. Only a folder without a readable items.jsonl is an error.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { EvalSetError } from './errors';
import { checkReference, EVAL_TASKS, type EvalTask, isEvalTask } from './scoring';

export interface EvalItem {
  /** 0-based position among the set's lines (blank lines count), stable across --limit. */
  line: number;
  /** The image path as written in items.jsonl. */
  image: string;
  /** Absolute path of the image. */
  imagePath: string;
  question: string;
  answer: string;
  task: EvalTask;
  /** sha256 of the line number, the image bytes and the line's text: identifies a finished item on resume. */
  key: string;
}

export type EvalIssueCode =
  | 'not-json'
  | 'not-object'
  | 'missing-field'
  | 'unknown-task'
  | 'missing-image'
  | 'bad-answer';

export interface EvalIssue {
  /** 1-based line number in items.jsonl, as an editor shows it. */
  lineNumber: number;
  code: EvalIssueCode;
  message: string;
}

export interface EvalSet {
  dir: string;
  /** sha256 of items.jsonl. */
  sha256: string;
  /** Non-blank lines in items.jsonl. */
  lines: number;
  items: EvalItem[];
  skipped: EvalIssue[];
}

export const ITEMS_FILE = 'items.jsonl';

const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex');

export async function loadEvalSet(dir: string): Promise<EvalSet> {
  const root = resolve(dir);
  let text: string;
  try {
    text = await readFile(join(root, ITEMS_FILE), 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new EvalSetError(
      root,
      err.code === 'ENOENT' ? `there is no ${ITEMS_FILE} in it` : (err.code ?? err.message),
    );
  }
  const items: EvalItem[] = [];
  const skipped: EvalIssue[] = [];
  const rows = text.split('\n');
  let lines = 0;
  for (let i = 0; i < rows.length; i++) {
    const raw = rows[i].replace(/\r$/, '');
    if (raw.trim() === '') continue;
    lines++;
    const issue = (code: EvalIssueCode, message: string) =>
      skipped.push({ lineNumber: i + 1, code, message });
    const checked = await checkLine(root, raw);
    if ('code' in checked) issue(checked.code, checked.message);
    else {
      const { imageHash, ...rest } = checked;
      const key = sha256(Buffer.concat([Buffer.from(`${i}\n`), imageHash, Buffer.from(raw)]));
      items.push({ line: i, ...rest, key });
    }
  }
  return { dir: root, sha256: sha256(text), lines, items, skipped };
}

type Checked =
  | (Omit<EvalItem, 'line' | 'key'> & { imageHash: Buffer })
  | { code: EvalIssueCode; message: string };

async function checkLine(root: string, raw: string): Promise<Checked> {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch (e) {
    return { code: 'not-json', message: `not JSON: ${(e as Error).message}` };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    return { code: 'not-object', message: 'not a JSON object' };
  const o = v as Record<string, unknown>;
  for (const f of ['image', 'question', 'answer', 'task']) {
    if (typeof o[f] !== 'string' || (o[f] as string).trim() === '')
      return { code: 'missing-field', message: `no ${f}` };
  }
  const { image, question, answer, task } = o as Record<string, string>;
  if (!isEvalTask(task))
    return { code: 'unknown-task', message: `unknown task ${task} (known: ${EVAL_TASKS.join(', ')})` };
  const bad = checkReference(task, answer);
  if (bad) return { code: 'bad-answer', message: bad };
  const imagePath = resolve(root, image);
  let bytes: Buffer;
  try {
    if (!(await stat(imagePath)).isFile())
      return { code: 'missing-image', message: `image ${image} is not a file` };
    bytes = await readFile(imagePath);
  } catch (e) {
    return {
      code: 'missing-image',
      message: `image ${image}: ${(e as NodeJS.ErrnoException).code ?? 'unreadable'}`,
    };
  }
  if (bytes.length === 0) return { code: 'missing-image', message: `image ${image} is empty` };
  return { image, imagePath, question, answer, task, imageHash: createHash('sha256').update(bytes).digest() };
}

/** The first `limit` usable items (all when limit is undefined). */
export function selectItems(set: EvalSet, limit?: number): EvalItem[] {
  return limit === undefined ? set.items : set.items.slice(0, limit);
}
