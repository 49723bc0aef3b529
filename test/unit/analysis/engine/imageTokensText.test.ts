import { describe, expect, it } from 'vitest';
import { imageTokensText } from '../../../../analysis/engine/imageTokensText';

describe('imageTokensText', () => {
  it('gives one count for a fixed layout and the per-tile count with the most tiles for anyres', () => {
    expect(imageTokensText({ imageTokens: 576 })).toBe('576 image tokens');
    expect(imageTokensText({ imageTokens: 576, imageTiles: 1 })).toBe('576 image tokens');
    expect(imageTokensText({ imageTokens: 576, imageTiles: 5 })).toBe(
      '576 image tokens per tile, up to 5 tiles',
    );
  });
});
