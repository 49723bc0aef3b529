/**
 * Where the modalities fall in a recording (ALGORITHMS §0): contiguous spans of text-pre, image,
 * text-mid, text-post and generated tokens, and the boundary positions every view marks — the first
 * image token, v (the first post-vision row), m (the first decode row) and n = m + G.
 */
import type { RecordingInfo } from '../../../../analysis/engine/api';

export type Modality = RecordingInfo['tokens'][number]['modality'];

export interface Span {
  modality: Modality;
  /** [start, end) positions. */
  start: number;
  end: number;
}

export interface TokenLayout {
  /** Prompt length. */
  m: number;
  G: number;
  /** All positions, m + G. */
  n: number;
  /** First and one-past-last image token ([0, 0) without an image). */
  imageStart: number;
  imageEnd: number;
  /** v: first post-vision row; post-vision rows are [v, m). */
  v: number;
  spans: Span[];
  /** Positions where the modality changes (the start of every span but the first). */
  boundaries: number[];
}

export function modalitySpans(modalities: readonly Modality[]): Span[] {
  const spans: Span[] = [];
  for (let i = 0; i < modalities.length; i++) {
    const last = spans[spans.length - 1];
    if (last && last.modality === modalities[i]) last.end = i + 1;
    else spans.push({ modality: modalities[i], start: i, end: i + 1 });
  }
  return spans;
}

/**
 * The layout of a recording's n = m + G positions. `tokens` lists the prompt tokens and then the
 * generated ones (the recorder's order); generated positions missing from it are still counted.
 */
export function tokenLayout(info: Pick<RecordingInfo, 'tokens' | 'dims' | 'postVisionStart'>): TokenLayout {
  const { m, G } = info.dims;
  const n = m + G;
  const modalities: Modality[] = [];
  for (let i = 0; i < n; i++) modalities.push(i < m ? (info.tokens[i]?.modality ?? 'text-pre') : 'generated');
  const spans = modalitySpans(modalities);
  let imageStart = 0;
  let imageEnd = 0;
  const first = modalities.indexOf('image');
  if (first >= 0) {
    imageStart = first;
    imageEnd = modalities.lastIndexOf('image') + 1;
  }
  return {
    m,
    G,
    n,
    imageStart,
    imageEnd,
    v: info.postVisionStart,
    spans,
    boundaries: spans.slice(1).map((s) => s.start),
  };
}

/** The modality of position `pos`. */
export function modalityAt(layout: TokenLayout, pos: number): Modality | null {
  for (const s of layout.spans) if (pos >= s.start && pos < s.end) return s.modality;
  return null;
}
