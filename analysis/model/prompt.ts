/**
 * Prompt rendering and the token layout of ALGORITHMS §0: the template is split at the image
 * placeholder, each text segment is encoded on its own, and the image's tokens are spliced in
 * between — `[bos] + ids(before) + [image] × n_img + ids(after)` (docs/model-package.md). Every
 * position gets its modality and, for image tokens, its patch row/col.
 */
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

/** Fixed layouts: one tile of rows × cols tokens. */
export function imageTokenCount(manifest: ModelManifest): number {
  const l = manifest.image.layout;
  return l.rows * l.cols;
}

export function renderPrompt(
  manifest: ModelManifest,
  tokenizer: ModelTokenizer,
  userPrompt: string,
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
  const nImg = imageTokenCount(manifest);
  const { rows, cols } = manifest.image.layout;

  const ids: number[] = [];
  const tokens: TokenInfo[] = [];
  const push = (id: number, modality: Modality, text?: string) => {
    ids.push(id);
    tokens.push({ id, text: text ?? tokenizer.tokenText(id), modality });
  };
  if (manifest.tokens.bos !== null) push(manifest.tokens.bos, 'text-pre');
  for (const id of pre.ids) push(id, 'text-pre');
  const imageStart = ids.length;
  for (let i = 0; i < nImg; i++) {
    ids.push(manifest.tokens.image);
    tokens.push({
      id: manifest.tokens.image,
      text: '<image>',
      modality: 'image',
      patch: { imageIndex: 0, tile: 0, row: Math.floor(i / cols) % rows, col: i % cols, isNewline: false },
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
