/**
 * The public surface of the policy layer, for the renderer's worker, the engine and the CLI.
 * Everything here is pure TypeScript over typed arrays (no Node, no DOM).
 */
export { type Allocation, type AllocatorSpec, allocate } from './allocators/allocator';
export type { SparsityAwareMode } from './allocators/sparsityAware';
export {
  type BudgetSpec,
  percentBudget,
  type ResolvedBudget,
  resolveBudget,
  tokenBudget,
} from './budget';
export { BUDGET_GRID_BP } from './budgetGrid';
export {
  AllocationError,
  EmptyPostVisionError,
  InvalidBudgetError,
  InvalidParamsError,
  InvalidPolicyError,
  MissingWindowSumsError,
  StatsShapeError,
} from './errors';
export { GRANULARITIES, type Granularity } from './granularity';
export { DEFAULT_THRESHOLD_EDGE, THRESHOLD_EDGE_COUNT } from './histogramSparsity';
export { type KeptSets, keptSet } from './keptSet';
export {
  type AnalysisParams,
  DEFAULT_ANALYSIS_PARAMS,
  LiveAnalysis,
  type LiveAnalysisOptions,
  type LiveResults,
  type PolicyMissingWindow,
  type PolicyOk,
  type PolicyResult,
  type PolicyUnavailable,
  type RecallCurve,
  type RecallCurvePoint,
} from './liveAnalysis';
export type { LayerMetric } from './metrics/layerMetric';
export { KV_DTYPE_BYTES, type KvDtype, type KvMemory } from './metrics/memory';
export { type PaperRef, type Policy, policyProblems, validatePolicy } from './policy';
export { PRESET_IDS, PRESETS, type PresetId, preset, resolvePolicy } from './registry';
export { SCORER_IDS, type ScorerId, type ScorerSpec } from './scorers/scorer';
export type { WindowRules } from './windowRules';
