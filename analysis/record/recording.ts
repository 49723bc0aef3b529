/**
 * A recording: everything one run of a model on an image and a prompt produced that the analysis
 * needs — tokens with their modality, per-layer queries and keys for prompt and decode rows, the
 * generated text, the full-cache log-softmax per decode step, and the statistics built from them.
 * It is what the recorder returns, what a `.vlcs` session stores, and what opens without the model.
 *
 * Queries and keys are held as Float32Array. When `qkDtype` is 'f16' their values are already
 * rounded to f16 (exactly representable), so statistics, tiles and figures computed before saving
 * equal those computed after reopening (DESIGN.md §6).
 */
import type { ImageTile } from '../attention/imageLayout';
import type { AttentionSpec, Stats } from '../attention/stats';

export type { ImageTile };

/** ALGORITHMS §0. */
export type Modality = 'text-pre' | 'image' | 'text-mid' | 'text-post' | 'generated';

export interface ImagePatch {
  imageIndex: number;
  tile: number;
  row: number;
  col: number;
  isNewline: boolean;
}

export interface TokenInfo {
  id: number;
  /** Decoded text of this token alone ('<image>' for image positions). */
  text: string;
  modality: Modality;
  /** For image tokens: where the token sits in the image. */
  patch?: ImagePatch;
}

export interface RecordingDims {
  L: number;
  H: number;
  Hkv: number;
  D: number;
  /** Prompt length. */
  m: number;
  /** Generated tokens; decode query rows are [m, m+G). */
  G: number;
  vocab: number;
}

export interface RecordingModelRef {
  name: string;
  family: string;
  /** `sha256:<hex>` of each package file, from the manifest. */
  hashes: Record<string, string>;
  kvDtype: 'f32' | 'f16' | 'bf16';
  /** The image grid of the layout, for placing image tokens on the picture. */
  imageGrid: { rows: number; cols: number; size: number };
}

export interface Recording {
  appVersion: string;
  createdAt: string;
  model: RecordingModelRef;
  prompt: string;
  image: {
    png: Uint8Array;
    sha256: string;
    width: number;
    height: number;
    /**
     * Each vision tile's rectangle on the image in normalised coordinates (analysis/attention/
     * imageLayout.ts; tile 0 the base tile, [0, 0, 1, 1]); image tokens name their tile in
     * `patch.tile`. Absent: one full-image tile of model.imageGrid's rows × cols (fixed layouts).
     */
    tiles?: ImageTile[];
  };
  /** m + G entries: the prompt's tokens, then the generated ones. */
  tokens: TokenInfo[];
  generation: { text: string; ids: number[]; stoppedBy: 'eos' | 'max-new-tokens' };
  /** The execution provider that actually ran, and stage timings in milliseconds. */
  provider: 'cpu' | 'webgpu' | 'cuda';
  timings: Record<string, number>;
  dims: RecordingDims;
  spec: AttentionSpec;
  /** v of ALGORITHMS §0 (post-vision rows [v, m)); equals m when there is no text after the image. */
  postVisionStart: number;
  qkDtype: 'f16' | 'f32';
  /** Per layer: f32 [H, m+G, D]. */
  queries: Float32Array[];
  /** Per layer: f32 [Hkv, m+G, D]. */
  keys: Float32Array[];
  /** f16 bits [G, vocab]: the full-cache log-softmax of each decode step (fidelity metrics). */
  logprobs: Uint16Array;
  stats: Stats;
}
