/**
 * How a model's image tokens read in a model list: a fixed layout has one count; an anyres layout's
 * count depends on each image, so the list says the per-tile count and the most tiles an image gets.
 */
export function imageTokensText(s: { imageTokens: number; imageTiles?: number }): string {
  const tiles = s.imageTiles ?? 1;
  if (tiles <= 1) return `${s.imageTokens} image tokens`;
  return `${s.imageTokens} image tokens per tile, up to ${tiles} tiles`;
}
