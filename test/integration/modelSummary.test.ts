import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../analysis/engine/engine';

describe('listModels summary', () => {
  it('gives an anyres package its per-tile token count and its most tiles (1 + the largest grid)', async () => {
    const engine = new Engine({
      modelRoots: {
        bundled: join(__dirname, '../fixtures/hf-export'),
        user: mkdtempSync(join(tmpdir(), 'vlc-')),
      },
    });
    const next = (await engine.listModels()).find((m) => m.dir.endsWith('llava-next-tiny'));
    if (!next?.summary) throw new Error('llava-next-tiny not listed');
    // tiny layout: 56-px tiles of 4×4 tokens, pinpoints 56×112, 112×56, 112×112 → at most 1 + 2·2 tiles
    expect(next.summary.imageTokens).toBe(16);
    expect(next.summary.imageTiles).toBe(5);
  });
});
