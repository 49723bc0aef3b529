/**
 * Prompt rendering and the token layout of ALGORITHMS §0: the template is split at the image
 * placeholder, each text segment is encoded on its own, and the image's tokens are spliced in
 * between — `[bos] + ids(before) + [image] × n_img + ids(after)` (docs/model-package.md). Every
 * position gets its modality and, for image tokens, its patch row/col.
 */
import { type ImageGeometry, imageGeometry, imageTokenPatches } from '../attention/imageLayout';
import { BadInputError } from '../engine/errors';
import type { ModelManifest } from './manifest';
import type { ModelTokenizer } from './tokenizer';
import type { Modality, TokenInfo } from '../record/recording';

export class PromptError extends BadInputError {}

export interface PromptLayout {
  ids: number[];
  tokens: TokenInfo[];
  /** Positions [imageStart, imageStart + imageTokens) hold image features. */
  imageStart: number;
  imageTokens: number;
  /** v: first position after the last image token. */
  postVisionStart: number;
  /** Words of the prompt the tokenizer does not know. */
  unknownWords: string[];
}

/**
 * n_img for a fixed layout (one tile of rows × cols); for an anyres layout it depends on the image
 * size — pass the image's geometry (analysis/attention/imageLayout.ts).
 */
export function imageTokenCount(manifest: ModelManifest, geometry?: ImageGeometry): number {
  return layoutGeometry(manifest, geometry).tokenCount;
}

function layoutGeometry(manifest: ModelManifest, geometry?: ImageGeometry): ImageGeometry {
  if (geometry) return geometry;
  const l = manifest.image.layout;
  if (l.kind !== 'fixed')
    throw new PromptError(`the ${l.kind} image layout needs the image's size to count its tokens`);
  return imageGeometry(l, l.size, l.size);
}

export function renderPrompt(
  manifest: ModelManifest,
  tokenizer: ModelTokenizer,
  userPrompt: string,
  /** The image's geometry (PreparedImage.geometry); required for an anyres layout. */
  geometry?: ImageGeometry,
): PromptLayout {
  const prompt = userPrompt.trim();
  if (prompt.length === 0) throw new PromptError('the prompt is empty');
  const { template, imagePlaceholder, promptPlaceholder } = manifest.prompt;
  if (prompt.includes(imagePlaceholder)) {
    throw new PromptError(
      `the prompt contains the image placeholder ${imagePlaceholder}; this version accepts exactly one image per prompt`,
    );
  }
  const [before, after] = template.replace(promptPlaceholder, prompt).split(imagePlaceholder);
  const pre = tokenizer.encode(before);
  const post = tokenizer.encode(after);
  const g = layoutGeometry(manifest, geometry);
  const patches = imageTokenPatches(g);
  const nImg = patches.length;

  const ids: number[] = [];
  const tokens: TokenInfo[] = [];
  const push = (id: number, modality: Modality, text?: string) => {
    ids.push(id);
    tokens.push({ id, text: text ?? tokenizer.tokenText(id), modality });
  };
  if (manifest.tokens.bos !== null) push(manifest.tokens.bos, 'text-pre');
  for (const id of pre.ids) push(id, 'text-pre');
  const imageStart = ids.length;
  for (const p of patches) {
    ids.push(manifest.tokens.image);
    tokens.push({
      id: manifest.tokens.image,
      text: '<image>',
      modality: 'image',
      patch: { imageIndex: 0, ...p },
    });
  }
  for (const id of post.ids) push(id, 'text-post');
  const m = ids.length;
  if (m + 1 > manifest.maxPositions) {
    throw new PromptError(
      `the prompt is ${m} tokens long; the model's context is ${manifest.maxPositions} positions`,
    );
  }
  return {
    ids,
    tokens,
    imageStart,
    imageTokens: nImg,
    postVisionStart: imageStart + nImg,
    unknownWords: [...pre.unknown, ...post.unknown],
  };
}
