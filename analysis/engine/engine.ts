/**
 * The Engine: the in-process implementation of `EngineApi`. The CLI calls it directly; browser mode
 * and the Electron engine process put it behind `dispatch`. It owns the loaded models, the
 * recordings made or opened in this process (by id), and the runs in flight (for cancel).
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type {
  EngineApi,
  EngineParams,
  EngineResult,
  EvalProgressEvent,
  ModelInfo,
  RecordingInfo,
} from './api';
import { appVersion } from './appRoot';
import { BadInputError, ModelPackageError, VlcacheError } from './errors';
import type { AnalysisBackend } from './analysisBackend';
import { listSamples, readSample } from './samples';
import { type LoadedModel, loadModel } from '../model/loadedModel';
import {
  assetsDir,
  inspectModelPackage,
  type ModelPackageInfo,
  scanModelPackages,
} from '../model/modelPackage';
import { greedyUnderPolicy, type Prefill, teacherForcedLogits } from '../model/policyDecode';
import { listProviders, type ProviderChoice } from '../model/providers';
import { answerFidelity, teacherForcedDivergence } from '../record/fidelity';
import { record, runPrefill } from '../record/recorder';
import { recordingLayers } from '../record/recordingAnalysis';
import { addWindowSums } from '../attention/addWindowSums';
import type { Recording } from '../record/recording';
import { EvalSetError, SweepCancelledError } from '../eval/errors';
import { type EvalSet, loadEvalSet } from '../eval/evalSet';
import type { EvalResults } from '../eval/results';
import { runSweep, sweepSettings } from '../eval/sweep';
import { BUDGET_GRID_BP } from '../policies/budgetGrid';
import { PRESET_IDS } from '../policies/registry';

const require = createRequire(import.meta.url);

export class UnknownRecordingError extends VlcacheError {
  constructor(id: string) {
    super(
      'unknown-recording',
      `no recording ${id} in this engine (it may have restarted); open the session again`,
    );
  }
}

function modelInfo(p: ModelPackageInfo): ModelInfo {
  const m = p.manifest;
  const layout = m?.image.layout;
  return {
    dir: p.dir,
    source: p.source,
    ok: p.ok,
    name: p.name,
    errors: p.errors,
    bytes: p.bytes,
    summary:
      m && layout
        ? {
            family: m.family,
            layers: m.layers,
            heads: m.heads,
            kvHeads: m.kvHeads,
            hidden: m.hidden,
            imageTokens: layout.rows * layout.cols,
            imageTiles:
              layout.kind === 'anyres'
                ? 1 +
                  Math.max(
                    ...layout.gridPinpoints.map(([h, w]) => (h / layout.tileSize) * (w / layout.tileSize)),
                  )
                : 1,
          }
        : undefined,
  };
}

export interface EngineOptions {
  /** Override where models are looked for (tests). */
  modelRoots?: { bundled: string; user: string };
  /** Where engine events (run progress) go. */
  emit?: (event: string, payload: unknown) => void;
  analysis?: AnalysisBackend;
  /**
   * Where in-app eval sweeps keep their journals and results (default: $VLCACHE_EVAL_DIR, else
   * vlcache-evals in the OS temp folder).
   */
  evalDir?: string;
  /** The eval worker entry (bundlers and tests may point elsewhere). */
  evalWorkerUrl?: URL;
}

/** An eval sweep started through the API (startEval). */
interface EvalEntry {
  state: 'running' | 'done' | 'cancelled' | 'failed';
  controller: AbortController;
  /** The set as read at start: item keys → image files (getEvalItemImage). */
  set: EvalSet;
  results?: EvalResults;
  error?: unknown;
  last: EvalProgressEvent;
  /** Settles when the sweep ends, whatever the outcome. */
  ended: Promise<void>;
}

interface RecordingEntry {
  recording: Recording;
  unknownWords: string[];
  /** The full-cache prefill, when this engine has it (a run made here, or rebuilt for an opened session). */
  prefill?: Prefill;
  /** The model package the recording was made with, when known here. */
  modelDir?: string;
}

export class Engine implements EngineApi {
  private readonly recordings = new Map<string, RecordingEntry>();
  private readonly runs = new Map<string, AbortController>();
  private readonly models = new Map<string, Promise<LoadedModel>>();
  /** Model folders outside the scanned ones that in-process callers (the CLI) may use. */
  private readonly extraModelDirs = new Set<string>();
  private readonly evals = new Map<string, EvalEntry>();
  /** Eval set folders besides the bundled one that in-process callers may use (allowEvalSetDir). */
  private readonly extraSetDirs = new Set<string>();
  constructor(private readonly options: EngineOptions = {}) {}

  private get analysis(): AnalysisBackend {
    if (!this.options.analysis)
      throw new VlcacheError('internal', 'this engine was created without an analysis backend');
    return this.options.analysis;
  }

  async version(): Promise<EngineResult<'version'>> {
    const ortVersion = (require('onnxruntime-node/package.json') as { version: string }).version;
    return {
      app: appVersion(),
      node: process.versions.node,
      onnxruntime: ortVersion,
      platform: `${process.platform}-${process.arch}`,
    };
  }

  async listProviders(): Promise<EngineResult<'listProviders'>> {
    return listProviders();
  }

  async listModels(): Promise<EngineResult<'listModels'>> {
    return (await scanModelPackages(this.options.modelRoots)).map(modelInfo);
  }

  async listSamples(): Promise<EngineResult<'listSamples'>> {
    return listSamples();
  }

  async getSample(p: EngineParams<'getSample'>): Promise<EngineResult<'getSample'>> {
    return { png: await readSample(p.name) };
  }

  /**
   * Lets in-process callers (the CLI's --model) use a package outside the scanned folders. Not part
   * of EngineApi: over IPC and WebSocket only listed packages can be named.
   */
  allowModelDir(dir: string): void {
    this.extraModelDirs.add(dir);
  }

  /**
   * Lets in-process callers use an eval set folder besides the bundled assets/eval. Not part of
   * EngineApi: over IPC and WebSocket only the bundled set can be named (the page never names paths).
   */
  allowEvalSetDir(dir: string): void {
    this.extraSetDirs.add(resolve(dir));
  }

  /** Loads (once) a model package on a provider choice; only packages the engine lists are accepted. */
  async model(dir: string, provider: ProviderChoice): Promise<LoadedModel> {
    await this.checkModelDir(dir);
    const key = `${dir}|${provider}`;
    let loading = this.models.get(key);
    if (!loading) {
      loading = loadModel(dir, provider);
      this.models.set(key, loading);
      loading.catch(() => this.models.delete(key));
    }
    return loading;
  }

  private async checkModelDir(dir: string): Promise<void> {
    const known =
      this.extraModelDirs.has(dir) ||
      (await scanModelPackages(this.options.modelRoots)).some((m) => m.dir === dir);
    if (!known) throw new BadInputError(`no model package at ${dir}; choose one that vlcache models lists`);
  }

  async run(p: EngineParams<'run'>): Promise<EngineResult<'run'>> {
    if (this.runs.has(p.runId)) throw new BadInputError(`run ${p.runId} is already in progress`);
    const controller = new AbortController();
    this.runs.set(p.runId, controller);
    try {
      const model = await this.model(p.modelDir, p.provider);
      const image = 'bytes' in p.image ? p.image.bytes : await readSample(p.image.sample);
      const r = await record(model, {
        image,
        prompt: p.prompt,
        maxNewTokens: p.maxNewTokens,
        signal: controller.signal,
        onProgress: (progress) => this.options.emit?.('runProgress', { runId: p.runId, ...progress }),
        buildStats: (spec, layout, getLayer) =>
          this.analysis.buildStats(spec, layout, getLayer, model.provider),
      });
      const id = randomUUID();
      this.recordings.set(id, {
        recording: r.recording,
        unknownWords: r.unknownWords,
        prefill: r.prefill,
        modelDir: p.modelDir,
      });
      return this.info(id);
    } finally {
      this.runs.delete(p.runId);
    }
  }

  async cancelRun(p: EngineParams<'cancelRun'>): Promise<EngineResult<'cancelRun'>> {
    const c = this.runs.get(p.runId);
    c?.abort();
    return { cancelled: c !== undefined };
  }

  /**
   * Starts an eval sweep on worker threads and returns its id at once. The id is a hash of the model
   * files, the eval set and the settings, and names the results file and journal in the eval folder:
   * the same sweep started again after a cancel continues from its journal (or, once finished,
   * returns the saved results without running anything).
   */
  async startEval(p: EngineParams<'startEval'>): Promise<EngineResult<'startEval'>> {
    const known = PRESET_IDS as readonly string[];
    const policies = p.policies === 'all' ? [...known] : [...new Set(p.policies)];
    if (policies.length === 0) throw new BadInputError('policies: choose at least one policy, or all');
    const unknown = policies.filter((x) => !known.includes(x));
    if (unknown.length)
      throw new BadInputError(`unknown policy ${unknown.join(', ')} (known: ${known.join(', ')})`, {
        unknown,
      });
    const percents = p.budgets ?? BUDGET_GRID_BP.map((bp) => bp / 100);
    if (percents.length === 0)
      throw new BadInputError('budgets: give at least one budget, in percent of the prompt (e.g. 10)');
    const budgets = percents.map((pc) => {
      const bp = pc * 100;
      if (!Number.isFinite(bp) || bp < 1 || bp > 10000 || Math.abs(bp - Math.round(bp)) > 1e-6)
        throw new BadInputError(
          `budgets: ${pc} is not a percentage in [0.01, 100] with at most two decimals`,
        );
      return Math.round(bp);
    });
    if (p.limit !== undefined && (!Number.isInteger(p.limit) || p.limit < 1))
      throw new BadInputError(`limit must be a positive integer, got ${p.limit}`);
    if (p.workers !== undefined && (!Number.isInteger(p.workers) || p.workers < 1))
      throw new BadInputError(`workers must be a positive integer, got ${p.workers}`);
    await this.checkModelDir(p.modelDir);
    const pkg = await inspectModelPackage(p.modelDir, 'user');
    if (!pkg.ok || !pkg.manifest) throw new ModelPackageError(p.modelDir, pkg.errors);
    const bundledSet = join(assetsDir(), 'eval');
    const setDir = p.setDir ?? bundledSet;
    if (resolve(setDir) !== resolve(bundledSet) && !this.extraSetDirs.has(resolve(setDir)))
      throw new BadInputError(
        `eval set ${setDir} is not one this engine may read: use the bundled set (leave setDir out), or the CLI (vlcache eval --set)`,
      );
    let set: EvalSet;
    try {
      set = await loadEvalSet(setDir);
    } catch (e) {
      if (e instanceof EvalSetError) throw new BadInputError(`eval set: ${e.message}`, e.details);
      throw e;
    }
    if (set.items.length === 0)
      throw new BadInputError(
        `eval set ${set.dir} has no usable items (${set.skipped.length} line(s) skipped)`,
        { skipped: set.skipped.slice(0, 20) },
      );
    const settings = sweepSettings({ policies, budgets });
    const provider = 'cpu' as const;
    const evalId = `eval-${createHash('sha256')
      .update(
        JSON.stringify({
          model: pkg.manifest.hashes,
          set: set.dir,
          items: set.sha256,
          settings,
          provider,
        }),
      )
      .digest('hex')
      .slice(0, 24)}`;
    const existing = this.evals.get(evalId);
    if (existing?.state === 'running') return { evalId };
    const other = [...this.evals.entries()].find(([, e]) => e.state === 'running');
    if (other)
      throw new BadInputError(
        `eval ${other[0]} is running; cancel it or wait for it before starting another`,
      );

    const dir = this.options.evalDir ?? process.env.VLCACHE_EVAL_DIR ?? join(tmpdir(), 'vlcache-evals');
    mkdirSync(dir, { recursive: true });
    const total = Math.min(p.limit ?? set.items.length, set.items.length);
    const emit = (e: Omit<EvalProgressEvent, 'evalId'>) => {
      entry.last = { evalId, ...e };
      this.options.emit?.('evalProgress', entry.last);
    };
    const controller = new AbortController();
    const entry: EvalEntry = {
      state: 'running',
      controller,
      set,
      last: { evalId, stage: 'preparing', done: 0, total, etaSeconds: null },
      ended: Promise.resolve(),
    };
    this.evals.set(evalId, entry);
    emit({ stage: 'preparing', done: 0, total, etaSeconds: null });
    entry.ended = runSweep({
      modelDir: p.modelDir,
      setDir,
      out: join(dir, `${evalId}.json`),
      provider,
      settings,
      limit: p.limit,
      workers: p.workers,
      signal: controller.signal,
      workerUrl: this.options.evalWorkerUrl,
      onStart: (s) =>
        emit({ stage: 'running', done: s.reused, total: s.total, reused: s.reused, etaSeconds: null }),
      onProgress: (pr) =>
        emit({
          stage: 'running',
          done: pr.done,
          total: pr.total,
          reused: pr.reused,
          failed: pr.failed,
          fraction: pr.fraction,
          etaSeconds: pr.etaSeconds,
        }),
    }).then(
      (results) => {
        entry.state = 'done';
        entry.results = results;
        const n = results.items.length + results.failed.length;
        emit({ stage: 'done', done: n, total: n, failed: results.failed.length, fraction: 1, etaSeconds: 0 });
      },
      (e: unknown) => {
        const cancelled = e instanceof SweepCancelledError;
        entry.state = cancelled ? 'cancelled' : 'failed';
        entry.error = e;
        const { done, total: t } = entry.last;
        emit({
          stage: cancelled ? 'cancelled' : 'failed',
          done,
          total: t,
          etaSeconds: null,
          message: (e as Error).message,
        });
      },
    );
    return { evalId };
  }

  private evalEntry(evalId: string): EvalEntry {
    const e = this.evals.get(evalId);
    if (!e)
      throw new BadInputError(`no eval ${evalId} in this engine (it may have restarted); start it again`);
    return e;
  }

  async cancelEval(p: EngineParams<'cancelEval'>): Promise<EngineResult<'cancelEval'>> {
    const e = this.evals.get(p.evalId);
    if (e?.state !== 'running') return { cancelled: false };
    e.controller.abort();
    return { cancelled: true };
  }

  /** Settles when the sweep ends (done, cancelled or failed); for in-process callers and tests. */
  async evalEnded(evalId: string): Promise<EvalProgressEvent> {
    const e = this.evalEntry(evalId);
    await e.ended;
    return e.last;
  }

  async getEvalResults(p: EngineParams<'getEvalResults'>): Promise<EngineResult<'getEvalResults'>> {
    const e = this.evalEntry(p.evalId);
    if (e.state === 'done' && e.results) return e.results;
    if (e.state === 'running')
      throw new BadInputError(`eval ${p.evalId} is still running (${e.last.done} of ${e.last.total} items)`);
    if (e.state === 'cancelled')
      throw new BadInputError(`eval ${p.evalId} was cancelled; start it again to continue where it stopped`);
    throw e.error instanceof Error ? e.error : new VlcacheError('internal', String(e.error));
  }

  async getEvalItemImage(p: EngineParams<'getEvalItemImage'>): Promise<EngineResult<'getEvalItemImage'>> {
    const item = this.evalEntry(p.evalId).set.items.find((it) => it.key === p.key);
    if (!item) throw new BadInputError(`eval ${p.evalId} has no item ${p.key}`);
    return { png: new Uint8Array(await readFile(item.imagePath)) };
  }

  /** Adds a recording made elsewhere (an opened session, the CLI) and returns its id. */
  addRecording(recording: Recording, extra: Partial<RecordingEntry> = {}): string {
    const id = randomUUID();
    this.recordings.set(id, { recording, unknownWords: [], ...extra });
    return id;
  }

  /** Forgets a recording and its prefill, so long-running callers (eval sweeps) do not keep every one. */
  dropRecording(id: string): void {
    this.recordings.delete(id);
  }

  entry(id: string): RecordingEntry {
    const e = this.recordings.get(id);
    if (!e) throw new UnknownRecordingError(id);
    return e;
  }

  info(id: string): RecordingInfo {
    const { recording: r, unknownWords, modelDir } = this.entry(id);
    return {
      recordingId: id,
      appVersion: r.appVersion,
      createdAt: r.createdAt,
      model: r.model,
      prompt: r.prompt,
      image: r.image,
      tokens: r.tokens,
      generation: r.generation,
      provider: r.provider,
      timings: r.timings,
      dims: r.dims,
      spec: r.spec,
      postVisionStart: r.postVisionStart,
      qkDtype: r.qkDtype,
      canEvaluate: modelDir !== undefined,
      unknownWords,
    };
  }

  async getStats(p: EngineParams<'getStats'>): Promise<EngineResult<'getStats'>> {
    return this.entry(p.recordingId).recording.stats;
  }

  async getTile(p: EngineParams<'getTile'>): Promise<EngineResult<'getTile'>> {
    const r = this.entry(p.recordingId).recording;
    const n = r.dims.m + r.dims.G;
    const [r0, r1] = p.rows;
    const [c0, c1] = p.cols;
    if (p.layer >= r.dims.L)
      throw new BadInputError(`layer ${p.layer} does not exist (the model has ${r.dims.L})`);
    if (p.head !== 'mean' && p.head >= r.dims.H)
      throw new BadInputError(`head ${p.head} does not exist (the model has ${r.dims.H})`);
    if (!(r0 < r1 && r1 <= n && c0 < c1 && c1 <= n))
      throw new BadInputError(`tile [${r0},${r1})×[${c0},${c1}) is outside the ${n}×${n} attention map`);
    if ((r1 - r0) * (c1 - c0) > 4_194_304)
      throw new BadInputError('tile too large: at most 4M entries per request');
    const data = this.analysis.tile(r, p.layer, p.head, [r0, r1], [c0, c1]);
    return { data, rows: r1 - r0, cols: c1 - c0 };
  }

  async getWindowSums(p: EngineParams<'getWindowSums'>): Promise<EngineResult<'getWindowSums'>> {
    const r = this.entry(p.recordingId).recording;
    const sums = r.stats.windowSums[p.w] ?? addWindowSums(r.stats, recordingLayers(r), p.w);
    return { w: p.w, sums };
  }

  /** The prefill this recording's policies decode from: kept from the run, or rebuilt from its image and prompt. */
  private async prefillFor(e: RecordingEntry): Promise<{ model: LoadedModel; prefill: Prefill }> {
    if (!e.modelDir) {
      throw new BadInputError(
        'this recording was opened without its model; evaluating a policy needs the model package it was made with',
      );
    }
    const model = await this.model(e.modelDir, e.recording.provider);
    if (!e.prefill) e.prefill = (await runPrefill(model, e.recording.image.png, e.recording.prompt)).prefill;
    return { model, prefill: e.prefill };
  }

  async evaluatePolicy(p: EngineParams<'evaluatePolicy'>): Promise<EngineResult<'evaluatePolicy'>> {
    const e = this.entry(p.recordingId);
    const r = e.recording;
    const { L, Hkv, D, m, G, vocab } = r.dims;
    if (p.kept.length !== L || p.kept.some((heads) => heads.length !== Hkv)) {
      throw new BadInputError(`kept sets must be given for ${L} layers × ${Hkv} KV heads`);
    }
    for (const [l, heads] of p.kept.entries()) {
      const k = heads[0].length;
      for (const set of heads) {
        if (set.length !== k || set.length < 1)
          throw new BadInputError(`layer ${l}: every KV head must keep the same number (≥ 1) of tokens`);
        for (let i = 0; i < set.length; i++) {
          if (set[i] < 0 || set[i] >= m || (i > 0 && set[i] <= set[i - 1])) {
            throw new BadInputError(
              `layer ${l}: kept positions must be sorted, distinct and inside the prompt [0, ${m})`,
            );
          }
        }
      }
    }
    const { model, prefill } = await this.prefillFor(e);
    const full = r.generation.ids;
    const out = await greedyUnderPolicy(model, prefill, p.kept, { mode: p.mode, maxNewTokens: G });
    const fid = answerFidelity(full, out.ids);
    const logits = await teacherForcedLogits(model, prefill, p.kept, full, p.mode);
    const tf = logits ? teacherForcedDivergence(r.logprobs, logits, G, vocab) : null;
    const keptTokens = p.kept.reduce((a, heads) => a + heads[0].length, 0);
    const bytesPer = r.model.kvDtype === 'f32' ? 4 : 2;
    const eos = model.manifest.tokens.eos;
    return {
      ids: out.ids,
      text: model.tokenizer.decode(out.ids[out.ids.length - 1] === eos ? out.ids.slice(0, -1) : out.ids),
      stoppedBy: out.stoppedBy,
      ...fid,
      meanKl: tf ? tf.meanKl : null,
      top1Agreement: tf ? tf.top1Agreement : null,
      keptTokens,
      keptBytes: keptTokens * Hkv * D * 2 * bytesPer,
      fullBytes: L * m * Hkv * D * 2 * bytesPer,
    };
  }

  async exportSession(p: EngineParams<'exportSession'>): Promise<EngineResult<'exportSession'>> {
    const e = this.entry(p.recordingId);
    const bytes = this.analysis.encodeSession(e.recording, { params: p.params, timeline: p.timeline });
    const safe =
      e.recording.prompt
        .replace(/[^\w]+/g, '-')
        .replace(/^-|-$/g, '')
        .slice(0, 40) || 'session';
    return { bytes, name: `${safe}.vlcs` };
  }

  async importSession(p: EngineParams<'importSession'>): Promise<EngineResult<'importSession'>> {
    const { recording, params, timeline } = this.analysis.decodeSession(p.bytes);
    const modelDir = await this.findModelFor(recording);
    const id = this.addRecording(recording, { modelDir });
    return { ...this.info(id), params, timeline };
  }

  /** A listed, valid package whose file hashes equal the recording's, if any. */
  async findModelFor(r: Recording): Promise<string | undefined> {
    const models = await scanModelPackages(this.options.modelRoots);
    const same = (a: Record<string, string>, b: Record<string, string>) =>
      Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);
    return models.find((m) => m.ok && m.manifest && same(m.manifest.hashes, r.model.hashes))?.dir;
  }
}
