/**
 * The shapes of an eval sweep's settings and results (`vlcache-eval/1`). A results file is
 * `{ format, meta, summary, items, failed, skipped, run }`: everything but `run` (dates, wall time,
 * worker count) is a function of the settings, the model and the eval set alone, so two sweeps with
 * the same inputs — interrupted or not, on any number of workers — write identical files up to `run`.
 */
import type { EvictionMode } from '../model/policyDecode';
import type { ProviderChoice, ProviderId } from '../model/providers';
import type { Granularity } from '../policies/granularity';
import type { EvalIssue } from './evalSet';
import type { EvalTask } from './scoring';

export const RESULTS_FORMAT = 'vlcache-eval/1';

/** ALGORITHMS §0's default, the only rule this runner implements, stated in every results file. */
export const FIRST_TOKEN_RULE = 'y0 from the full prefill (ALGORITHMS §0)';

/** Settings that decide the numbers: items are reused on resume only when these are equal. */
export interface SweepSettings {
  /** Preset ids, in the order of the results. */
  policies: string[];
  /** Budgets in basis points (10 % = 1000), ascending. */
  budgets: number[];
  mode: EvictionMode;
  maxNewTokens: number;
  /** View and allocation thresholds as histogram edge indices, and p = 10^(−8 + k/20). */
  pView: number;
  pAlloc: number;
  pAllocValue: number;
  linked: boolean;
  /** Recent-window fraction f, in percent of each layer's budget. */
  windowFraction: number;
  nSink: number;
  granularity: Granularity;
  firstTokenRule: typeof FIRST_TOKEN_RULE;
  /** Queries and keys are rounded to f16 before statistics (the recorder's default). */
  qkDtype: 'f16';
}

export interface ResultsMeta {
  appVersion: string;
  onnxruntime: string;
  /** The execution provider asked for, and the one that ran. */
  providerRequested: ProviderChoice;
  provider: ProviderId;
  model: { name: string; family: string; hashes: Record<string, string> };
  set: { path: string; itemsSha256: string; lines: number; usable: number; selected: number };
  settings: SweepSettings;
  scoring: string;
}

export interface FullAnswer {
  text: string;
  ids: number[];
  stoppedBy: 'eos' | 'max-new-tokens';
  score: number;
  answerPart: string | null;
  leadInMatch: boolean | null;
}

export type EvalCell =
  | {
      policy: string;
      /** Basis points. */
      budget: number;
      status: 'ok';
      /** The realised share of the prompt cache kept, in percent. */
      keptPercent: number;
      text: string;
      score: number;
      answerPart: string | null;
      leadInMatch: boolean | null;
      /** ALGORITHMS §7 answer fidelity against the full-cache answer. */
      exactMatch: boolean;
      agreement: number;
      firstDivergence: number | null;
      /** Teacher-forced, null when the full answer has a single token. */
      meanKl: number | null;
      top1Agreement: number | null;
      /** No-model metrics from the recording (LiveAnalysis). */
      recall: number;
      hitRate: number;
    }
  | { policy: string; budget: number; status: 'unavailable'; reason: string };

export interface EvalItemResult {
  line: number;
  key: string;
  image: string;
  task: EvalTask;
  question: string;
  answer: string;
  /** Prompt length m. */
  m: number;
  full: FullAnswer;
  /** Policies × budgets, policy-major in the settings' order. */
  cells: EvalCell[];
  /** Distinct kept sets decoded for this item (cells with equal kept sets share one decode). */
  decodes: number;
}

/** An item the model could not run (an undecodable image, …): reported, not retried. */
export interface EvalItemFailure {
  line: number;
  key: string;
  image: string;
  task: EvalTask;
  code: string;
  message: string;
}

export interface SummaryCell {
  policy: string;
  budget: number;
  /** 'all' or one task. */
  task: EvalTask | 'all';
  /** Items with a result in this cell. */
  n: number;
  accuracy: number;
  /** The full-cache accuracy over the same items (the reference line). */
  fullAccuracy: number;
  agreement: number;
  exactMatch: number;
  /** Mean over items with a defined KL (null when none). */
  meanKl: number | null;
  top1Agreement: number | null;
  recall: number;
  hitRate: number;
  keptPercent: number;
  unavailable: number;
}

export interface ResultsSummary {
  items: number;
  fullAccuracy: number;
  fullAccuracyByTask: Partial<Record<EvalTask, number>>;
  cells: SummaryCell[];
}

export interface RunInfo {
  startedAt: string;
  finishedAt: string;
  /** Wall time of every session that worked on this file, summed. */
  wallSeconds: number;
  sessions: { startedAt: string; items: number; workers: number; wallSeconds: number }[];
  modelDir: string;
}

export interface EvalResults {
  format: typeof RESULTS_FORMAT;
  meta: ResultsMeta;
  summary: ResultsSummary;
  items: EvalItemResult[];
  failed: EvalItemFailure[];
  skipped: EvalIssue[];
  /** Wall-clock facts: excluded from every comparison of results. */
  run: RunInfo;
}
