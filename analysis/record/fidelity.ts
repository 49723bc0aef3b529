/**
 * Answer fidelity under a policy (ALGORITHMS §7): exact match, token agreement, first diverging step,
 * and the teacher-forced KL(full ‖ policy) with top-1 agreement, from the full-cache log-softmax the
 * recorder kept (f16) and the policy's teacher-forced logits.
 */
import { fromF16Bits } from '../session/float16';

export interface AnswerFidelity {
  /** Identical id sequences up to and including EOS. */
  exactMatch: boolean;
  /** (1/G_full) Σ_t [y_pol[t] = y_full[t]]; missing positions count as mismatches. */
  agreement: number;
  /** First t with y_pol[t] ≠ y_full[t] (or where one sequence ended), null when they match. */
  firstDivergence: number | null;
}

export function answerFidelity(full: number[], policy: number[]): AnswerFidelity {
  let same = 0;
  let first: number | null = null;
  for (let t = 0; t < Math.max(full.length, policy.length); t++) {
    const eq = t < full.length && t < policy.length && full[t] === policy[t];
    if (eq && t < full.length) same++;
    if (!eq && first === null) first = t;
  }
  return {
    exactMatch: first === null,
    agreement: full.length ? same / full.length : 1,
    firstDivergence: first,
  };
}

export interface TeacherForced {
  /** Mean over steps 1..G−1 of KL(full ‖ policy) in nats. */
  meanKl: number;
  /** Share of steps 1..G−1 where the policy's argmax equals the full cache's. */
  top1Agreement: number;
  steps: number;
}

/**
 * fullLogprobs: f16 bits [G, vocab] (row t = the full cache's log-softmax for y_t);
 * policyLogits: f32 [G−1, vocab] (row t−1 = the policy's logits for step t).
 */
export function teacherForcedDivergence(
  fullLogprobs: Uint16Array,
  policyLogits: Float32Array,
  G: number,
  vocab: number,
): TeacherForced {
  let kl = 0;
  let top1 = 0;
  for (let t = 1; t < G; t++) {
    const row = (t - 1) * vocab;
    let max = Number.NEGATIVE_INFINITY;
    let argQ = 0;
    for (let v = 0; v < vocab; v++) {
      if (policyLogits[row + v] > max) {
        max = policyLogits[row + v];
        argQ = v;
      }
    }
    let sum = 0;
    for (let v = 0; v < vocab; v++) sum += Math.exp(policyLogits[row + v] - max);
    const lse = max + Math.log(sum);
    // Renormalise the stored f16 log-probabilities so p sums to 1 despite rounding.
    const logp = new Float64Array(vocab);
    let pmax = Number.NEGATIVE_INFINITY;
    let argP = 0;
    for (let v = 0; v < vocab; v++) {
      logp[v] = fromF16Bits(fullLogprobs[t * vocab + v]);
      if (logp[v] > pmax) {
        pmax = logp[v];
        argP = v;
      }
    }
    let psum = 0;
    for (let v = 0; v < vocab; v++) psum += Math.exp(logp[v] - pmax);
    const plse = pmax + Math.log(psum);
    let klt = 0;
    for (let v = 0; v < vocab; v++) {
      const lp = logp[v] - plse;
      const p = Math.exp(lp);
      if (p > 0) klt += p * (lp - (policyLogits[row + v] - lse));
    }
    kl += Math.max(0, klt);
    if (argP === argQ) top1++;
  }
  const steps = G - 1;
  return { meanKl: steps ? kl / steps : 0, top1Agreement: steps ? top1 / steps : 1, steps };
}
