/**
 * One eval item through the Engine: record it once with the full cache (one prefill, the greedy
 * answer, the Stats), then for every (policy, budget) compute the kept sets from that recording
 * (LiveAnalysis: recall and hit rate come with them) and decode under them from the same prefill
 * (`evaluatePolicy`), and score each answer (ALGORITHMS §7). Cells whose kept sets are identical —
 * every policy at 100 %, the full-cache preset at every budget — share one decode: the decode is a
 * function of the recording, the kept sets and the mode alone.
 */
import { createHash, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { CancelledError } from '../engine/errors';
import type { Engine } from '../engine/engine';
import type { EngineResult } from '../engine/api';
import type { KeptPerHead } from '../model/policyDecode';
import { keptPerHead } from '../policies/keptPerHead';
import type { ProviderChoice } from '../model/providers';
import { percentBudget } from '../policies/budget';
import { completeResults, liveAnalysisFor } from '../record/recordingAnalysis';
import type { EvalItem } from './evalSet';
import type { EvalCell, EvalItemResult, SweepSettings } from './results';
import { scoreAnswer } from './scoring';

export interface ItemContext {
  engine: Engine;
  modelDir: string;
  provider: ProviderChoice;
  settings: SweepSettings;
  signal?: AbortSignal;
  /** Fraction of this item done, 0..1 (recording counts for the first fifth). */
  onProgress?: (fraction: number) => void;
}

type Decoded = EngineResult<'evaluatePolicy'>;

/** A digest of per-layer, per-KV-head kept sets (lengths included, so no two layouts collide). */
export function keptKey(kept: KeptPerHead): string {
  const h = createHash('sha256');
  for (const heads of kept) {
    for (const set of heads) {
      h.update(new Uint8Array(Int32Array.of(set.length).buffer));
      h.update(new Uint8Array(set.buffer, set.byteOffset, set.byteLength));
    }
  }
  return h.digest('hex');
}

export async function evaluateItem(ctx: ItemContext, item: EvalItem): Promise<EvalItemResult> {
  const { engine, settings: s, signal } = ctx;
  const image = new Uint8Array(await readFile(item.imagePath));
  const runId = randomUUID();
  const abort = () => void engine.cancelRun({ runId });
  signal?.addEventListener('abort', abort);
  let info: EngineResult<'run'>;
  try {
    signal?.throwIfAborted();
    info = await engine.run({
      runId,
      modelDir: ctx.modelDir,
      provider: ctx.provider,
      image: { bytes: image },
      prompt: item.question,
      maxNewTokens: s.maxNewTokens,
    });
  } finally {
    signal?.removeEventListener('abort', abort);
  }
  const id = info.recordingId;
  try {
    const r = engine.entry(id).recording;
    const full = scoreAnswer(item.task, r.generation.text, item.answer);
    ctx.onProgress?.(0.2);
    const live = liveAnalysisFor(r, {
      policies: s.policies,
      pView: s.pView,
      pAlloc: s.pAlloc,
      linked: s.linked,
      windowFraction: s.windowFraction,
      nSink: s.nSink,
      granularity: s.granularity,
    });
    const decoded = new Map<string, Decoded>();
    const cells: EvalCell[] = new Array(s.policies.length * s.budgets.length);
    const total = cells.length;
    let done = 0;
    for (const [bi, budget] of s.budgets.entries()) {
      const res = completeResults(r, live, { budget: percentBudget(budget) });
      for (const [pi, pr] of res.policies.entries()) {
        if (signal?.aborted) throw new CancelledError('eval item');
        const policy = s.policies[pi];
        const at = pi * s.budgets.length + bi;
        if (pr.status === 'unavailable') {
          cells[at] = { policy, budget, status: 'unavailable', reason: pr.error.message };
        } else if (pr.status !== 'ok') {
          throw new Error(`${policy} at ${budget / 100}%: kept sets were not computed (${pr.status})`);
        } else {
          const kept = keptPerHead(pr.kept, r.dims.Hkv);
          const key = keptKey(kept);
          let out = decoded.get(key);
          if (!out) {
            out = await engine.evaluatePolicy({ recordingId: id, kept, mode: s.mode });
            decoded.set(key, out);
          }
          const sc = scoreAnswer(item.task, out.text, item.answer);
          cells[at] = {
            policy,
            budget,
            status: 'ok',
            keptPercent: pr.memory.keptPercent,
            text: out.text,
            score: sc.score,
            answerPart: sc.answerPart,
            leadInMatch: sc.leadInMatch,
            exactMatch: out.exactMatch,
            agreement: out.agreement,
            firstDivergence: out.firstDivergence,
            meanKl: out.meanKl,
            top1Agreement: out.top1Agreement,
            recall: pr.recall.overall,
            hitRate: pr.hitRate.overall,
          };
        }
        ctx.onProgress?.(0.2 + (0.8 * ++done) / total);
      }
    }
    return {
      line: item.line,
      key: item.key,
      image: item.image,
      task: item.task,
      question: item.question,
      answer: item.answer,
      m: r.dims.m,
      full: {
        text: r.generation.text,
        ids: r.generation.ids,
        stoppedBy: r.generation.stoppedBy,
        score: full.score,
        answerPart: full.answerPart,
        leadInMatch: full.leadInMatch,
      },
      cells,
      decodes: decoded.size,
    };
  } finally {
    engine.dropRecording(id);
  }
}
