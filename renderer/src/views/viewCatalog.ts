/**
 * The analysis views of DESIGN.md §8 (the Run and Session panels sit in the sidebar), with the
 * one-sentence explanation each shows as its tooltip, naming the ALGORITHMS.md definition it draws.
 */
export interface ViewSpec {
  id: 'tokens' | 'attention' | 'overlay' | 'sparsity' | 'budget' | 'kept' | 'compare';
  title: string;
  help: string;
}

export const VIEWS: ViewSpec[] = [
  {
    id: 'tokens',
    title: 'Token strip',
    help: 'Every prompt and generated token coloured by modality (ALGORITHMS §0: text-pre, image, text-post, generated); click one to select its query row.',
  },
  {
    id: 'attention',
    title: 'Attention map',
    help: 'Attention probabilities A[q, j] (ALGORITHMS §1) of one layer and head, or the head mean, with the modality boundaries on both axes; wheel to zoom, drag to pan, click to select a row.',
  },
  {
    id: 'overlay',
    title: 'Image overlay',
    help: "The selected query's attention A[q, j] (ALGORITHMS §1) or the post-vision score (§3) on the patch grid, with the current policy's kept set (§5) at this layer; evicted patches are dimmed.",
  },
  {
    id: 'sparsity',
    title: 'Sparsity profile',
    help: 'Layer sparsity γ(l, R, p) (ALGORITHMS §2): the share of visible attention entries below p × the row maximum (ThresholdFilter), for prefill, post-vision and decode rows.',
  },
  {
    id: 'budget',
    title: 'Budget allocation',
    help: 'Prompt tokens kept per layer k_l for each policy at budget α (ALGORITHMS §4: integer budgets, uniform, pyramid and sparsity-aware allocators).',
  },
  {
    id: 'kept',
    title: 'Kept / evicted',
    help: 'Which prompt tokens each layer keeps under the current policy (ALGORITHMS §5, kept sets), or the difference between two policies.',
  },
  {
    id: 'compare',
    title: 'Policy comparison',
    help: 'Attention recall and CacheHitRate (ALGORITHMS §7) against budget for every selected policy, and answer fidelity when decoding under a policy.',
  },
];
