/**
 * Window rules of a policy (ALGORITHMS §5, §6): which positions are kept regardless of score.
 *
 * - `recent`: the recent window w_l of layer l —
 *   `fraction`: ⌊f·k_l/100⌋ for the analysis's integer window fraction f (default 10 %, as in the
 *   VL-Cache paper's comparison; f = 0 turns it off); `allocator`: the allocator's window (PyramidKV's
 *   w, where observation = recent = w); `none`: 0 (SnapKV keeps only its observation window).
 * - `sinks`: StreamingLLM's rule replaces scoring — `sinksPlusRecent` keeps [0, k_l) when
 *   k_l ≤ nSink, else the nSink sinks plus the k_l − nSink most recent tokens; `budgetMinusWindow`
 *   keeps the first k_l − w_l positions plus the last w_l.
 *
 * A `window` scorer adds its observation window w_obs: the effective window is
 * W_l = min(k_l, max(w_l, w_obs)). sparsityAware's `windowOutside` option fixes w_l itself.
 */
export interface WindowRules {
  recent: 'fraction' | 'allocator' | 'none';
  sinks?: 'sinksPlusRecent' | 'budgetMinusWindow';
}

export const RECENT_RULES: readonly WindowRules['recent'][] = ['fraction', 'allocator', 'none'];
export const SINK_RULES: readonly NonNullable<WindowRules['sinks']>[] = [
  'sinksPlusRecent',
  'budgetMinusWindow',
];

/**
 * w_l: the recent window before the observation window is merged in. `allocatorWindow` is the
 * allocator's window (null when it has none); `forced` is windowOutside's override.
 */
export function recentWindow(
  rules: WindowRules,
  k: number,
  windowFraction: number,
  allocatorWindow: number | null,
  forced: boolean,
): number {
  if (forced || rules.recent === 'allocator') return Math.min(k, allocatorWindow ?? 0);
  if (rules.recent === 'fraction') return Math.floor((windowFraction * k) / 100);
  return 0;
}

/** W_l = min(k_l, max(w_l, w_obs)): positions [m − W_l, m) are kept. */
export function effectiveWindow(k: number, recent: number, observation: number): number {
  return Math.min(k, Math.max(recent, observation));
}
