import { describe, expect, it } from 'vitest';
import { modalitySpans, tokenLayout } from '../../../../renderer/src/views/common/tokenSpans';
import { LINE_HEIGHT, stripHit, stripLayout, tokenWidth } from '../../../../renderer/src/views/tokens/layout';
import { syntheticRecording } from '../helpers/syntheticRecording';

const rec = syntheticRecording();
const t = tokenLayout(rec.info);

describe('token spans', () => {
  it('splits positions into modality spans with their boundaries', () => {
    expect(modalitySpans(['text-pre', 'text-pre', 'image', 'text-post', 'text-post'])).toEqual([
      { modality: 'text-pre', start: 0, end: 2 },
      { modality: 'image', start: 2, end: 3 },
      { modality: 'text-post', start: 3, end: 5 },
    ]);
    expect(t.boundaries).toEqual([3, 19, 24]);
    expect(t.spans.at(-1)).toEqual({ modality: 'generated', start: 24, end: 27 });
  });
});

describe('token strip layout', () => {
  it('collapses the image into one block and marks every boundary', () => {
    const L = stripLayout(rec.info.tokens, t, rec.info.model.imageGrid, 2000, false);
    const kinds = L.items.map((i) => i.kind);
    expect(kinds.filter((k) => k === 'imageBlock')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'token')).toHaveLength(t.n - 16);
    expect(L.markers.map((m) => m.pos)).toEqual([3, 19, 24]);
    expect(L.height).toBe(LINE_HEIGHT);
  });

  it('wraps tokens into lines of the given width', () => {
    const L = stripLayout(rec.info.tokens, t, rec.info.model.imageGrid, 120, false);
    for (const it of L.items)
      if (it.kind === 'token') expect(it.x + it.w).toBeLessThanOrEqual(120 + tokenWidth('x'));
    expect(L.height).toBeGreaterThan(LINE_HEIGHT);
  });

  it('expands the image into its patch grid and hits tokens and patches', () => {
    const L = stripLayout(rec.info.tokens, t, rec.info.model.imageGrid, 600, true, 8);
    const grid = L.items.find((i) => i.kind === 'patchGrid');
    if (grid?.kind !== 'patchGrid') throw new Error('no grid');
    expect([...grid.cells]).toEqual(Array.from({ length: 16 }, (_, i) => 3 + i));
    // patch (row 1, col 2) is position 3 + 4 + 2
    expect(stripHit(L, grid.x + 2 * 8 + 3, grid.y + 8 + 3)).toBe(9);
    const tok = L.items.find((i) => i.kind === 'token' && i.pos === 24);
    if (tok?.kind !== 'token') throw new Error('no token');
    expect(stripHit(L, tok.x + 1, tok.y + 1)).toBe(24);
    expect(tok.y).toBeGreaterThanOrEqual(grid.y + 4 * 8);
  });
});
