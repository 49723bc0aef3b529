/**
 * The registry of presets (ALGORITHMS §6): the only list of policies in the code base (STYLE rule
 * 5). A new preset is its scorer/allocator files, a row here, a row in the shared test table
 * (test/unit/analysis/policies/registry.test.ts picks rows up automatically) and a line in
 * docs/policies.md. Custom compositions are `Policy` values of the same shape.
 */
import { InvalidPolicyError } from './errors';
import { type Policy, validatePolicy } from './policy';

const arxiv = (id: string, title: string) => ({ title, url: `https://arxiv.org/abs/${id}` });

const VL_CACHE_PAPER = arxiv(
  '2410.23317',
  'VL-Cache: Sparsity and Modality-Aware KV Cache Compression for Vision-Language Model Inference Acceleration (ICLR 2025)',
);
const H2O_PAPER = arxiv(
  '2306.14048',
  'H2O: Heavy-Hitter Oracle for Efficient Generative Inference of Large Language Models (NeurIPS 2023)',
);

export const PRESETS = [
  {
    id: 'full',
    label: 'Full cache',
    scorer: null,
    allocator: { id: 'full' },
    window: { recent: 'none' },
    paper: null,
    note: 'Keeps every prompt token: the reference every other policy is measured against.',
  },
  {
    id: 'vl-cache',
    label: 'VL-Cache',
    scorer: { id: 'postVision' },
    allocator: { id: 'sparsityAware', mode: 'renormalize' },
    window: { recent: 'fraction' },
    paper: VL_CACHE_PAPER,
    note: 'Post-vision attention scores; budgets proportional to post-vision density at pAlloc.',
  },
  {
    id: 'h2o',
    label: 'H2O',
    scorer: { id: 'accumulated' },
    allocator: { id: 'uniform' },
    window: { recent: 'fraction' },
    paper: H2O_PAPER,
    note: 'Heavy hitters by accumulated prefill attention, the same budget in every layer.',
  },
  {
    id: 'streaming-llm',
    label: 'StreamingLLM',
    scorer: { id: 'position' },
    allocator: { id: 'uniform' },
    window: { recent: 'fraction', sinks: 'sinksPlusRecent' },
    paper: arxiv('2309.17453', 'Efficient Streaming Language Models with Attention Sinks (ICLR 2024)'),
    note: 'Attention sinks (nSink first tokens) plus the most recent tokens.',
  },
  {
    id: 'snapkv',
    label: 'SnapKV',
    scorer: { id: 'window', w: 32, k: 5, pool: 'avg' },
    allocator: { id: 'uniform' },
    window: { recent: 'none' },
    paper: arxiv('2404.14469', 'SnapKV: LLM Knows What You are Looking for Before Generation (NeurIPS 2024)'),
    note: 'Attention from the last 32 prompt rows, average-pooled (kernel 5); the window is kept.',
  },
  {
    id: 'pyramidkv',
    label: 'PyramidKV',
    scorer: { id: 'window', w: 'allocator', k: 5, pool: 'avg' },
    allocator: { id: 'pyramid', beta: 20 },
    window: { recent: 'allocator' },
    paper: arxiv(
      '2406.02069',
      'PyramidKV: Dynamic KV Cache Compression based on Pyramidal Information Funneling',
    ),
    note: 'SnapKV scoring with w = max(1, ⌊0.1·B⌋); more cache in lower layers (β = 20).',
  },
  {
    id: 'zipcache',
    label: 'ZipCache-style (eviction only)',
    scorer: { id: 'normalized' },
    allocator: { id: 'uniform' },
    window: { recent: 'fraction' },
    paper: arxiv(
      '2405.14256',
      'ZipCache: Accurate and Efficient KV Cache Quantization with Salient Token Identification (NeurIPS 2024)',
    ),
    note: 'Accumulated attention normalised by the number of rows that see each key; evicts instead of quantising.',
  },
  {
    id: 'tova',
    label: 'TOVA',
    scorer: { id: 'lastQuery' },
    allocator: { id: 'uniform' },
    window: { recent: 'fraction' },
    paper: arxiv('2401.06104', 'Transformers are Multi-State RNNs (EMNLP 2024)'),
    note: 'Attention of the last prompt row.',
  },
  {
    id: 'knorm',
    label: 'K-norm',
    scorer: { id: 'keyNorm' },
    allocator: { id: 'uniform' },
    window: { recent: 'fraction' },
    paper: arxiv(
      '2406.11430',
      'A Simple and Effective L2 Norm-Based Strategy for KV Cache Compression (EMNLP 2024)',
    ),
    note: 'Keeps the keys with the smallest L2 norm; needs no attention.',
  },
  {
    id: 'random',
    label: 'Random',
    scorer: { id: 'random', seed: 0 },
    allocator: { id: 'uniform' },
    window: { recent: 'fraction' },
    paper: null,
    note: 'Reproducible random scores (murmur3 fmix32, seed 0): the floor.',
  },
  {
    id: 'ablation-vlcache-uniform',
    label: 'Ablation: VL-Cache scoring, uniform budget',
    scorer: { id: 'postVision' },
    allocator: { id: 'uniform' },
    window: { recent: 'fraction' },
    paper: VL_CACHE_PAPER,
    note: "Separates VL-Cache's scoring from its allocation.",
  },
  {
    id: 'ablation-h2o-sparsity',
    label: 'Ablation: H2O scoring, sparsity-aware budget',
    scorer: { id: 'accumulated' },
    allocator: { id: 'sparsityAware', mode: 'renormalize' },
    window: { recent: 'fraction' },
    paper: VL_CACHE_PAPER,
    note: "Separates VL-Cache's allocation from its scoring.",
  },
] as const satisfies readonly Policy[];

for (const p of PRESETS) validatePolicy(p);

export type PresetId = (typeof PRESETS)[number]['id'];

export const PRESET_IDS: readonly PresetId[] = PRESETS.map((p) => p.id);

export function preset(id: string): Policy {
  const p: Policy | undefined = PRESETS.find((x) => x.id === id);
  if (!p) throw new InvalidPolicyError(id, [`unknown preset: ${id} (have: ${PRESET_IDS.join(', ')})`]);
  return p;
}

/** A preset id or a composition → a validated policy. */
export function resolvePolicy(ref: string | Policy): Policy {
  return typeof ref === 'string' ? preset(ref) : validatePolicy(ref);
}
