/**
 * The model's tokenizer, from its `tokenizer.json` (@huggingface/tokenizers). The TypeScript encoder
 * returns null for a word outside a word-level vocabulary (TOOLCHAIN.md); such ids become the
 * manifest's unk id and the words are reported, so the user learns which words the model does not know.
 */
import { readFile } from 'node:fs/promises';
import { Tokenizer } from '@huggingface/tokenizers';
import { BadInputError } from '../engine/errors';

export interface Encoded {
  ids: number[];
  /** Words of the input that the vocabulary lacks (encoded as unk). */
  unknown: string[];
}

export class ModelTokenizer {
  private readonly inner: Tokenizer;

  constructor(
    json: object,
    private readonly unkId: number,
  ) {
    this.inner = new Tokenizer(json, {});
  }

  static async load(path: string, unkId: number): Promise<ModelTokenizer> {
    let json: object;
    try {
      json = JSON.parse(await readFile(path, 'utf8'));
    } catch (e) {
      throw new BadInputError(`cannot read tokenizer ${path}: ${(e as Error).message}`);
    }
    return new ModelTokenizer(json, unkId);
  }

  /** Encodes text without special tokens (the runtime adds bos itself, docs/model-package.md). */
  encode(text: string): Encoded {
    const enc = this.inner.encode(text, { add_special_tokens: false });
    const ids: number[] = [];
    const unknown: string[] = [];
    enc.ids.forEach((id: number | null, i: number) => {
      if (id === null || id === undefined) {
        ids.push(this.unkId);
        unknown.push(enc.tokens[i]);
      } else ids.push(id);
    });
    return { ids, unknown };
  }

  decode(ids: number[], skipSpecial = true): string {
    return this.inner.decode(ids, { skip_special_tokens: skipSpecial });
  }

  /** The text of one token, as shown in the token strip. */
  tokenText(id: number): string {
    return this.inner.decode([id], { skip_special_tokens: false });
  }
}
