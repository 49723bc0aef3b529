/**
 * The eval sweep (issue 8; ALGORITHMS §6–§8): every selected item of an eval set, recorded once with
 * the full cache and decoded under every (policy, budget) from that prefill, spread over worker
 * threads that each load their own model and Engine. Finished items go to the journal as they
 * arrive (journal.ts), so a killed or cancelled sweep continues where it stopped and nothing is
 * computed twice; the results file is assembled in the set's order from the journal, so it does not
 * depend on the worker count, on completion order or on interruptions (only its `run` field does).
 */
import { mkdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { appRoot, appVersion } from '../engine/appRoot';
import { ModelPackageError } from '../engine/errors';
import { DEFAULT_EDGE_INDEX, edgeToP } from '../attention/histogramGrid';
import { inspectModelPackage } from '../model/modelPackage';
import { type ProviderChoice, type ProviderId, providerCandidates } from '../model/providers';
import { writeFileAtomic } from '../session/atomicWrite';
import { EvalWorkerError, SweepCancelledError } from './errors';
import { type EvalIssue, type EvalItem, loadEvalSet, selectItems } from './evalSet';
import { type Finished, type Fingerprint, Journal, journalPath, readFinished } from './journal';
import {
  type EvalItemFailure,
  type EvalItemResult,
  type EvalResults,
  FIRST_TOKEN_RULE,
  RESULTS_FORMAT,
  type ResultsMeta,
  type SweepSettings,
} from './results';
import { summarise } from './summary';
import type { FromWorker, ToWorker, WorkerInit } from './workerProtocol';

export const SCORING_RULE =
  'ALGORITHMS §7: normalise (lowercase, strip punctuation, collapse and trim whitespace); short answers: exact match of the answer part after the lead-in; captions: SQuAD-style bag-of-words F1';

export interface SweepProgress {
  /** Items of the selection with a result or a failure, earlier sessions included. */
  done: number;
  total: number;
  /** Items reused from earlier sessions. */
  reused: number;
  failed: number;
  /** Overall fraction, counting the part of each running item that is done. */
  fraction: number;
  /** Seconds left at this session's pace; null until it has a pace. */
  etaSeconds: number | null;
}

export interface SweepOptions {
  modelDir: string;
  setDir: string;
  out: string;
  provider: ProviderChoice;
  settings: SweepSettings;
  /** Only the first N usable items. */
  limit?: number;
  /** Worker threads (default: the machine's cores); never more than there are items to run. */
  workers?: number;
  signal?: AbortSignal;
  onProgress?: (p: SweepProgress) => void;
  /** Called once the set is read and earlier results are matched, before any item runs. */
  onStart?: (s: {
    total: number;
    reused: number;
    toRun: number;
    workers: number;
    skipped: EvalIssue[];
  }) => void;
  /** The worker entry (tests and bundlers may point elsewhere). */
  workerUrl?: URL;
}

export const DEFAULT_WORKER_URL = new URL('./evalWorkerEntry.mjs', import.meta.url);

export async function runSweep(o: SweepOptions): Promise<EvalResults> {
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const modelDir = resolve(o.modelDir);
  const out = resolve(o.out);
  const set = await loadEvalSet(o.setDir);
  const selected = selectItems(set, o.limit);
  const pkg = await inspectModelPackage(modelDir, 'user');
  if (!pkg.ok || !pkg.manifest) throw new ModelPackageError(modelDir, pkg.errors);
  const man = pkg.manifest;
  // The provider the workers will run on: the first candidate (loadModel only falls back further when
  // that one cannot create a session, which a worker then reports as a mismatch).
  const provider = (await providerCandidates(o.provider))[0];
  const onnxruntime = (createRequire(import.meta.url)('onnxruntime-node/package.json') as { version: string })
    .version;
  const fingerprint: Fingerprint = {
    format: RESULTS_FORMAT,
    appVersion: appVersion(),
    onnxruntime,
    provider,
    model: { name: man.name, hashes: man.hashes },
    settings: o.settings,
  };
  await mkdir(dirname(out), { recursive: true });
  const finished = readFinished(out, fingerprint);
  const isDone = (it: EvalItem) => finished.results.has(it.key) || finished.failures.has(it.key);
  const todo = selected.filter((it) => !isDone(it));
  const reused = selected.length - todo.length;
  // One GPU worker at most: WebGPU sessions in several worker threads of one process broke Dawn's
  // command encoding and crashed the process on the H200 (bench/RESULTS.md); the GPU is shared anyway.
  const maxWorkers = provider === 'cpu' ? (o.workers ?? availableParallelism()) : 1;
  const workers = Math.max(0, Math.min(maxWorkers, todo.length));
  o.onStart?.({ total: selected.length, reused, toRun: todo.length, workers, skipped: set.skipped });

  const journal = Journal.open(out, fingerprint);
  journal.append({ type: 'session', startedAt, workers, at: Date.now() });
  let ranHere = 0;
  try {
    if (todo.length) {
      await runPool({
        todo,
        workers,
        // Results do not change with the thread count: the integration test compares 1 worker ×
        // 2 threads with 2 workers × 1 thread on this 2-core machine.
        init: {
          modelDir,
          provider,
          settings: o.settings,
          intraOpThreads: Math.max(1, Math.floor(availableParallelism() / workers)),
        },
        provider,
        url: o.workerUrl ?? DEFAULT_WORKER_URL,
        signal: o.signal,
        journalPath: journal.path,
        doneBefore: reused,
        total: selected.length,
        onProgress: o.onProgress,
        onResult: (result) => {
          journal.append({ type: 'item', result, at: Date.now() });
          finished.results.set(result.key, result);
          ranHere++;
        },
        onFailed: (failure) => {
          journal.append({ type: 'failed', failure, at: Date.now() });
          finished.failures.set(failure.key, failure);
          ranHere++;
        },
        failedBefore: selected.filter((it) => finished.failures.has(it.key)).length,
      });
    }
  } finally {
    journal.close();
  }
  const results = assemble({
    selected,
    set: { path: displayPath(set.dir), itemsSha256: set.sha256, lines: set.lines, usable: set.items.length },
    skipped: set.skipped,
    finished,
    fingerprint,
    providerRequested: o.provider,
    modelFamily: man.family,
    modelDir,
    session: {
      startedAt,
      items: ranHere,
      workers,
      wallSeconds: (performance.now() - t0) / 1000,
    },
  });
  await writeFileAtomic(out, Buffer.from(formatResults(results)));
  await rm(journalPath(out), { force: true });
  return results;
}

/** A path relative to the app root when it lies inside it (results files stay portable). */
function displayPath(p: string): string {
  const rel = relative(appRoot(), p);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : p;
}

function assemble(a: {
  selected: EvalItem[];
  set: Omit<ResultsMeta['set'], 'selected'>;
  skipped: EvalIssue[];
  finished: Finished;
  fingerprint: Fingerprint;
  providerRequested: ProviderChoice;
  modelFamily: string;
  modelDir: string;
  session: EvalResults['run']['sessions'][number];
}): EvalResults {
  const items: EvalItemResult[] = [];
  const failed: EvalItemFailure[] = [];
  for (const it of a.selected) {
    const r = a.finished.results.get(it.key);
    const f = a.finished.failures.get(it.key);
    if (r) items.push(r);
    else if (f) failed.push(f);
    else throw new Error(`item on line ${it.line + 1} has no result`);
  }
  const s = a.fingerprint.settings;
  const sessions = [...a.finished.sessions, a.session];
  return {
    format: RESULTS_FORMAT,
    meta: {
      appVersion: a.fingerprint.appVersion,
      onnxruntime: a.fingerprint.onnxruntime,
      providerRequested: a.providerRequested,
      provider: a.fingerprint.provider as ProviderId,
      model: { name: a.fingerprint.model.name, family: a.modelFamily, hashes: a.fingerprint.model.hashes },
      set: { ...a.set, selected: a.selected.length },
      settings: s,
      scoring: SCORING_RULE,
    },
    summary: summarise(items, s.policies, s.budgets),
    items,
    failed,
    skipped: a.skipped,
    run: {
      startedAt: sessions[0].startedAt,
      finishedAt: new Date().toISOString(),
      wallSeconds: sessions.reduce((t, x) => t + x.wallSeconds, 0),
      sessions,
      modelDir: a.modelDir,
    },
  };
}

/** JSON with one item per line: diffable, and the same bytes for the same results. */
export function formatResults(r: EvalResults): string {
  const list = (xs: unknown[]) =>
    xs.length ? `[\n${xs.map((x) => JSON.stringify(x)).join(',\n')}\n]` : '[]';
  return `{\n"format": ${JSON.stringify(r.format)},\n"meta": ${JSON.stringify(r.meta, null, 1)},\n"summary": {\n"items": ${r.summary.items},\n"fullAccuracy": ${r.summary.fullAccuracy},\n"fullAccuracyByTask": ${JSON.stringify(r.summary.fullAccuracyByTask)},\n"cells": ${list(r.summary.cells)}\n},\n"items": ${list(r.items)},\n"failed": ${list(r.failed)},\n"skipped": ${list(r.skipped)},\n"run": ${JSON.stringify(r.run, null, 1)}\n}\n`;
}

/** Sweep settings: ALGORITHMS §4–§8 defaults for whatever is not given. */
export function sweepSettings(p: {
  policies: string[];
  budgets: readonly number[];
  mode?: SweepSettings['mode'];
  maxNewTokens?: number;
  /** Threshold edge index (pView = pAlloc, linked); default 120 (p = 0.01). */
  thresholdEdge?: number;
  windowFraction?: number;
}): SweepSettings {
  const edge = p.thresholdEdge ?? DEFAULT_EDGE_INDEX;
  return {
    policies: [...p.policies],
    budgets: [...new Set(p.budgets)].sort((a, b) => a - b),
    mode: p.mode ?? 'compact',
    maxNewTokens: p.maxNewTokens ?? 32,
    pView: edge,
    pAlloc: edge,
    pAllocValue: edgeToP(edge),
    linked: true,
    windowFraction: p.windowFraction ?? 10,
    nSink: 4,
    granularity: 'kvHead',
    firstTokenRule: FIRST_TOKEN_RULE,
    qkDtype: 'f16',
  };
}

interface PoolOptions {
  todo: EvalItem[];
  workers: number;
  init: WorkerInit;
  provider: ProviderId;
  url: URL;
  signal?: AbortSignal;
  journalPath: string;
  doneBefore: number;
  failedBefore: number;
  total: number;
  onProgress?: (p: SweepProgress) => void;
  onResult: (r: EvalItemResult) => void;
  onFailed: (f: EvalItemFailure) => void;
}

/** How long a stopping worker may take to finish its current model call before it is terminated. */
const STOP_GRACE_MS = 20_000;

/**
 * Hands items to workers in the set's order, one at a time each, until all are done or it stops.
 * Stopping (done, cancel, failure) asks every worker to stop and waits for it: terminating a thread
 * inside an onnxruntime call aborts the whole process, so `terminate` is only the last resort.
 */
function runPool(p: PoolOptions): Promise<void> {
  return new Promise<void>((resolvePool, rejectPool) => {
    const queue = [...p.todo];
    const byLine = new Map(p.todo.map((it) => [it.line, it]));
    const inflight = new Map<Worker, EvalItem>();
    const partial = new Map<number, number>();
    const pool: Worker[] = [];
    const exited = new Map<Worker, Promise<void>>();
    let stopping = false;
    let doneHere = 0;
    let failed = p.failedBefore;
    let paceStart: number | null = null;

    const stop = (why: 'done' | 'cancelled' | Error) => {
      if (stopping) return;
      stopping = true;
      queue.length = 0;
      p.signal?.removeEventListener('abort', onAbort);
      for (const w of pool) w.postMessage({ type: 'stop' } satisfies ToWorker);
      const grace = (w: Worker) =>
        Promise.race([
          exited.get(w)!,
          new Promise<void>((r) => setTimeout(r, STOP_GRACE_MS).unref()).then(() => w.terminate()),
        ]);
      void Promise.allSettled(pool.map(grace)).then(() => {
        if (why === 'done') resolvePool();
        else if (why === 'cancelled')
          rejectPool(new SweepCancelledError(p.doneBefore + doneHere, p.total, p.journalPath));
        else rejectPool(why);
      });
    };
    const onAbort = () => stop('cancelled');
    if (p.signal?.aborted) return stop('cancelled');
    p.signal?.addEventListener('abort', onAbort);

    const report = () => {
      if (!p.onProgress || stopping) return;
      let running = 0;
      for (const f of partial.values()) running += f;
      const work = doneHere + running;
      const now = performance.now();
      const eta =
        paceStart !== null && work > 0 ? ((now - paceStart) / 1000 / work) * (p.todo.length - work) : null;
      p.onProgress({
        done: p.doneBefore + doneHere,
        total: p.total,
        reused: p.doneBefore,
        failed,
        fraction: p.total ? (p.doneBefore + work) / p.total : 1,
        etaSeconds: eta,
      });
    };
    const next = (w: Worker) => {
      inflight.delete(w);
      if (stopping) return;
      const item = queue.shift();
      if (!item) {
        if (inflight.size === 0) stop('done');
        return;
      }
      inflight.set(w, item);
      partial.set(item.line, 0);
      w.postMessage({ type: 'item', item } satisfies ToWorker);
    };
    const onMessage = (w: Worker, m: FromWorker) => {
      switch (m.type) {
        case 'ready':
          if (m.provider !== p.provider)
            return stop(
              new EvalWorkerError(`a worker runs on ${m.provider}, expected ${p.provider}`, {
                provider: m.provider,
                expected: p.provider,
              }),
            );
          paceStart ??= performance.now();
          return next(w);
        case 'progress':
          if (partial.has(m.line)) partial.set(m.line, m.fraction);
          return report();
        // A result that arrives while stopping is still kept: it was computed.
        case 'result':
          partial.delete(m.result.line);
          doneHere++;
          p.onResult(m.result);
          report();
          return next(w);
        case 'itemFailed': {
          const it = byLine.get(m.line)!;
          partial.delete(m.line);
          // A cancelled item is not a failed one: it runs again next time.
          if (stopping && m.error.code === 'cancelled') return;
          doneHere++;
          failed++;
          p.onFailed({
            line: it.line,
            key: it.key,
            image: it.image,
            task: it.task,
            code: m.error.code,
            message: m.error.message,
          });
          report();
          return next(w);
        }
        case 'fatal':
          return stop(
            new EvalWorkerError(`eval worker failed: ${m.error.message}`, {
              code: m.error.code,
              stack: m.error.stack,
            }),
          );
      }
    };
    report();
    for (let i = 0; i < p.workers; i++) {
      const w = new Worker(p.url, { workerData: p.init });
      pool.push(w);
      exited.set(w, new Promise<void>((r) => w.once('exit', () => r())));
      w.on('message', (m: FromWorker) => onMessage(w, m));
      w.on('error', (e) =>
        stop(new EvalWorkerError(`eval worker crashed: ${e.message}`, { stack: e.stack })),
      );
      w.on('exit', (code) => {
        if (!stopping) stop(new EvalWorkerError(`eval worker exited with code ${code}`, { code }));
      });
    }
  });
}
