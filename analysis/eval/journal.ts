/**
 * What makes a sweep resumable: a JSON Lines journal next to the results file (`<out>.journal.jsonl`)
 * that gets one line per finished item, appended and fsynced the moment the item is done. A header
 * line holds the fingerprint (everything the numbers depend on); a session line marks each start.
 * Killed mid-write, the journal ends in a partial line, which `readJournal` drops (and `openJournal`
 * cuts off before appending). The final results file is written atomically; an existing one with the
 * same fingerprint is a source of finished items too, so a finished sweep can be extended.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, ftruncateSync, writeSync } from 'node:fs';
import { ResultsFormatError, ResultsMismatchError } from './errors';
import {
  type EvalItemFailure,
  type EvalItemResult,
  type EvalResults,
  RESULTS_FORMAT,
  type SweepSettings,
} from './results';

/** Everything besides the items' inputs that the numbers depend on. */
export interface Fingerprint {
  format: typeof RESULTS_FORMAT;
  appVersion: string;
  onnxruntime: string;
  provider: string;
  model: { name: string; hashes: Record<string, string> };
  settings: SweepSettings;
}

export type JournalLine =
  | { type: 'header'; fingerprint: Fingerprint }
  | { type: 'session'; startedAt: string; workers: number; at: number }
  | { type: 'item'; result: EvalItemResult; at: number }
  | { type: 'failed'; failure: EvalItemFailure; at: number };

export interface Finished {
  results: Map<string, EvalItemResult>;
  failures: Map<string, EvalItemFailure>;
  /** Earlier sessions, from the journal's session lines and the saved file's run info. */
  sessions: { startedAt: string; items: number; workers: number; wallSeconds: number }[];
}

export const journalPath = (out: string) => `${out}.journal.jsonl`;

/** The differences between two fingerprints, as `field: saved → now` strings (empty when equal). */
export function fingerprintDifferences(saved: Fingerprint, now: Fingerprint): string[] {
  const out: string[] = [];
  const flat = (f: Fingerprint): Record<string, unknown> => ({
    format: f.format,
    appVersion: f.appVersion,
    onnxruntime: f.onnxruntime,
    provider: f.provider,
    'model.name': f.model.name,
    'model.hashes': f.model.hashes,
    ...Object.fromEntries(Object.entries(f.settings ?? {}).map(([k, v]) => [`settings.${k}`, v])),
  });
  const a = flat(saved);
  const b = flat(now);
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = JSON.stringify(a[k]);
    const y = JSON.stringify(b[k]);
    if (x !== y) out.push(`${k}: ${x ?? 'absent'} → ${y ?? 'absent'}`);
  }
  return out;
}

export interface ParsedJournal {
  header: Fingerprint | null;
  lines: JournalLine[];
  /** Byte length of the complete lines; anything after it is a partial last line. */
  goodBytes: number;
}

/** Parses a journal; a last line cut off mid-write is dropped, a bad line elsewhere is an error. */
export function parseJournal(path: string, bytes: Buffer): ParsedJournal {
  const lines: JournalLine[] = [];
  let pos = 0;
  let goodBytes = 0;
  while (pos < bytes.length) {
    const nl = bytes.indexOf(0x0a, pos);
    if (nl < 0) break; // unterminated: the write was cut off
    const text = bytes.subarray(pos, nl).toString('utf8');
    let line: JournalLine;
    try {
      line = JSON.parse(text) as JournalLine;
    } catch {
      const isLast = nl === bytes.length - 1;
      if (isLast) break;
      throw new ResultsFormatError(path, `line ${lines.length + 1} is not JSON`);
    }
    lines.push(line);
    pos = nl + 1;
    goodBytes = pos;
  }
  const first = lines[0];
  if (lines.length && first.type !== 'header')
    throw new ResultsFormatError(path, 'the first line is not a header');
  return { header: first?.type === 'header' ? first.fingerprint : null, lines, goodBytes };
}

/**
 * Items finished earlier for this fingerprint: from a saved results file at `out` and from its
 * journal. Either one made with a different fingerprint is an error (nothing is overwritten).
 */
export function readFinished(out: string, now: Fingerprint): Finished {
  const finished: Finished = { results: new Map(), failures: new Map(), sessions: [] };
  if (existsSync(out)) {
    let saved: EvalResults;
    try {
      saved = JSON.parse(readFileSync(out, 'utf8')) as EvalResults;
    } catch (e) {
      throw new ResultsFormatError(out, (e as Error).message);
    }
    if (saved?.format !== RESULTS_FORMAT || !Array.isArray(saved.items))
      throw new ResultsFormatError(
        out,
        `format ${JSON.stringify(saved?.format)}, expected ${RESULTS_FORMAT}`,
      );
    const diff = fingerprintDifferences(fingerprintOf(saved), now);
    if (diff.length) throw new ResultsMismatchError(out, diff);
    for (const r of saved.items) finished.results.set(r.key, r);
    for (const f of saved.failed ?? []) finished.failures.set(f.key, f);
    finished.sessions.push(...(saved.run?.sessions ?? []));
  }
  const jp = journalPath(out);
  if (existsSync(jp)) {
    const parsed = parseJournal(jp, readFileSync(jp));
    if (parsed.header) {
      const diff = fingerprintDifferences(parsed.header, now);
      if (diff.length) throw new ResultsMismatchError(jp, diff);
    }
    let session: Finished['sessions'][number] | null = null;
    let sessionStart = 0;
    for (const line of parsed.lines) {
      if (line.type === 'session') {
        session = { startedAt: line.startedAt, items: 0, workers: line.workers, wallSeconds: 0 };
        sessionStart = line.at;
        finished.sessions.push(session);
      } else if (line.type === 'item' || line.type === 'failed') {
        if (line.type === 'item') finished.results.set(line.result.key, line.result);
        else finished.failures.set(line.failure.key, line.failure);
        if (session) {
          session.items++;
          session.wallSeconds = (line.at - sessionStart) / 1000;
        }
      }
    }
  }
  return finished;
}

export function fingerprintOf(r: EvalResults): Fingerprint {
  return {
    format: r.format,
    appVersion: r.meta.appVersion,
    onnxruntime: r.meta.onnxruntime,
    provider: r.meta.provider,
    model: { name: r.meta.model.name, hashes: r.meta.model.hashes },
    settings: r.meta.settings,
  };
}

/** An open journal: appends are synchronous and fsynced, so a line is either all there or cut off. */
export class Journal {
  private constructor(
    readonly path: string,
    private fd: number | null,
  ) {}

  /** Opens (or creates) the journal for appending, cutting off a partial last line first. */
  static open(out: string, fingerprint: Fingerprint): Journal {
    const path = journalPath(out);
    let parsed: ParsedJournal | null = null;
    if (existsSync(path)) parsed = parseJournal(path, readFileSync(path));
    const fd = openSync(path, existsSync(path) ? 'r+' : 'w');
    const j = new Journal(path, fd);
    if (parsed) {
      ftruncateSync(fd, parsed.goodBytes);
      j.offset = parsed.goodBytes;
    }
    if (!parsed?.header) j.append({ type: 'header', fingerprint });
    return j;
  }

  private offset = 0;

  append(line: JournalLine): void {
    if (this.fd === null) throw new Error(`journal ${this.path} is closed`);
    const data = Buffer.from(`${JSON.stringify(line)}\n`);
    let written = 0;
    while (written < data.length)
      written += writeSync(this.fd, data, written, data.length - written, this.offset + written);
    this.offset += data.length;
    fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
