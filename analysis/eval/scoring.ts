/**
 * Eval accuracy (ALGORITHMS §7), pure: answers are normalised (lowercase, punctuation removed,
 * whitespace collapsed and trimmed); a short answer is scored by exact match of its *answer part*,
 * the words after the fixed lead-in its task's sentence starts with ("the triangle is **red**",
 * "the number of circles is **3**", "the star is **on the left**"); a caption by SQuAD-style
 * bag-of-words F1 (SQuAD v1.1's `f1_score`, with our normalisation: articles are kept, as in
 * tools/shapes_vlm/tasks.py).
 *
 * Only the answer part decides: a prediction whose lead-in differs from the reference's but whose
 * answer part matches counts as correct; `leadInMatch` says when that happened. A prediction that
 * does not parse as its task's sentence has no answer part and scores 0.
 */

export const EVAL_TASKS = ['colour', 'shape', 'count', 'position', 'number', 'caption'] as const;
export type EvalTask = (typeof EVAL_TASKS)[number];
export type ShortTask = Exclude<EvalTask, 'caption'>;

export function isEvalTask(t: unknown): t is EvalTask {
  return typeof t === 'string' && (EVAL_TASKS as readonly string[]).includes(t);
}

/**
 * The sentence each short-answer task is answered with (tools/shapes_vlm/tasks.py), on normalised
 * text: group 1 is the lead-in, group 2 the answer part.
 */
export const ANSWER_GRAMMAR: Record<ShortTask, RegExp> = {
  colour: /^(the .+ is) (\w+)$/,
  shape: /^(the .+ is an?) (\w+)$/,
  count: /^(the number of .+ is) (\d+)$/,
  position: /^(the .+ is) ((?:on|at|in) the \w+)$/,
  number: /^(the number is) (\d+)$/,
};

// Unicode punctuation and symbols, a superset of Python's string.punctuation (which SQuAD strips).
const PUNCTUATION = /[\p{P}\p{S}]/gu;

/** Lowercase, punctuation removed (not replaced by a space, as in SQuAD), whitespace collapsed and trimmed. */
export function normalise(text: string): string {
  return text.toLowerCase().replace(PUNCTUATION, '').split(/\s+/).filter(Boolean).join(' ');
}

export interface SplitAnswer {
  leadIn: string;
  answerPart: string;
}

/** The lead-in and answer part of a short answer, or null when the text is not its task's sentence. */
export function splitAnswer(task: ShortTask, text: string): SplitAnswer | null {
  const m = normalise(text).match(ANSWER_GRAMMAR[task]);
  return m ? { leadIn: m[1], answerPart: m[2] } : null;
}

/**
 * SQuAD-style F1 of two bags of words (multiset overlap): 2PR/(P+R) over the normalised tokens; 1 when
 * both are empty, 0 when only one is.
 */
export function bagOfWordsF1(prediction: string, reference: string): number {
  const p = tokens(prediction);
  const r = tokens(reference);
  if (p.length === 0 || r.length === 0) return p.length === r.length ? 1 : 0;
  const counts = new Map<string, number>();
  for (const w of r) counts.set(w, (counts.get(w) ?? 0) + 1);
  let common = 0;
  for (const w of p) {
    const c = counts.get(w) ?? 0;
    if (c > 0) {
      common++;
      counts.set(w, c - 1);
    }
  }
  if (common === 0) return 0;
  const precision = common / p.length;
  const recall = common / r.length;
  return (2 * precision * recall) / (precision + recall);
}

function tokens(text: string): string[] {
  const n = normalise(text);
  return n ? n.split(' ') : [];
}

export interface AnswerScore {
  /** 0 or 1 for short answers (exact match of the answer part), F1 ∈ [0, 1] for captions. */
  score: number;
  /** The prediction's answer part (short answers), null when it does not parse or for captions. */
  answerPart: string | null;
  /** Whether the prediction's lead-in equals the reference's (short answers); null for captions. */
  leadInMatch: boolean | null;
}

/**
 * Scores a prediction against a reference answer of the given task. The reference of a short-answer
 * task must parse as its sentence (`checkReference`; the eval set loader rejects items that do not).
 */
export function scoreAnswer(task: EvalTask, prediction: string, reference: string): AnswerScore {
  if (task === 'caption')
    return { score: bagOfWordsF1(prediction, reference), answerPart: null, leadInMatch: null };
  const ref = splitAnswer(task, reference);
  if (!ref) throw new Error(`reference "${reference}" is not a ${task} answer`);
  const pred = splitAnswer(task, prediction);
  if (!pred) return { score: 0, answerPart: null, leadInMatch: false };
  return {
    score: pred.answerPart === ref.answerPart ? 1 : 0,
    answerPart: pred.answerPart,
    leadInMatch: pred.leadIn === ref.leadIn,
  };
}

/** Why a reference answer cannot be scored for its task, or null when it can. */
export function checkReference(task: EvalTask, reference: string): string | null {
  if (normalise(reference) === '') return 'the answer is empty';
  if (task === 'caption' || splitAnswer(task, reference)) return null;
  return `the answer "${reference}" is not a ${task} answer (${ANSWER_GRAMMAR[task].source})`;
}
