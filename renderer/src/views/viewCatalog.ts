/**
 * The analysis views of DESIGN.md §8 (the Run panel sits apart), with the one-sentence explanation
 * each shows as its tooltip and the data it needs to draw.
 */
export interface ViewSpec {
  id: string;
  title: string;
  help: string;
}

export const VIEWS: ViewSpec[] = [
  {
    id: 'tokens',
    title: 'Token strip',
    help: 'Every prompt and generated token coloured by modality (text-pre, image, text-post, generated); click one to select its query row.',
  },
  {
    id: 'attention',
    title: 'Attention map',
    help: 'Attention probabilities A[q, j] (ALGORITHMS §1) of one layer and head, or the head mean, with the modality boundaries on both axes.',
  },
  {
    id: 'overlay',
    title: 'Image overlay',
    help: "The selected query's attention on the image's patch grid, and the patches the current policy keeps or evicts at this layer.",
  },
  {
    id: 'sparsity',
    title: 'Sparsity profile',
    help: 'Layer sparsity γ(l, R, p) (ALGORITHMS §2): the share of visible attention entries below p × the row maximum, for prefill, post-vision and decode rows.',
  },
  {
    id: 'budget',
    title: 'Budget allocation',
    help: 'Prompt tokens kept per layer k_l for each policy at budget α (ALGORITHMS §4).',
  },
  {
    id: 'kept',
    title: 'Kept / evicted',
    help: 'Which prompt tokens each layer keeps (ALGORITHMS §5) under the chosen policy, or the difference between two policies.',
  },
  {
    id: 'compare',
    title: 'Policy comparison',
    help: 'Attention recall and CacheHitRate (ALGORITHMS §7) against budget for every selected policy.',
  },
  {
    id: 'session',
    title: 'Session',
    help: 'Save or open a .vlcs session, replay its timeline, export figures and data.',
  },
];
