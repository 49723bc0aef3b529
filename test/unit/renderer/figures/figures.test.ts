import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { legendLayout } from '../../../../renderer/src/figures/chartParts';
import { attentionRgba } from '../../../../renderer/src/figures/AttentionFigure';
import { buildFigureSet, FIGURE_IDS, modalitySpans } from '../../../../renderer/src/figures/figureData';
import { base64, encodePng } from '../../../../renderer/src/figures/png';
import { figureCsv, figureSvg } from '../../../../renderer/src/figures/renderFigure';
import { syntheticRecording } from '../helpers/syntheticRecording';

describe('png encoder', () => {
  it('writes a PNG whose pixels decode back to the input', () => {
    const w = 5;
    const h = 3;
    const rgba = Uint8Array.from({ length: w * h * 4 }, (_, i) => (i * 37) % 256);
    const png = encodePng(rgba, w, h);
    const v = new DataView(png.buffer);
    expect([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
    expect([v.getUint32(16), v.getUint32(20)]).toEqual([w, h]);
    const idatLen = v.getUint32(33);
    const raw = inflateSync(png.subarray(41, 41 + idatLen));
    for (let y = 0; y < h; y++) {
      expect(raw[y * (w * 4 + 1)]).toBe(0);
      expect([...raw.subarray(y * (w * 4 + 1) + 1, (y + 1) * (w * 4 + 1))]).toEqual([
        ...rgba.subarray(y * w * 4, (y + 1) * w * 4),
      ]);
    }
    expect(() => encodePng(rgba, w, h + 1)).toThrow(/expected 80/);
  });

  it('base64 matches Node for every tail length', () => {
    for (const n of [0, 1, 2, 3, 4, 5, 100])
      expect(base64(Uint8Array.from({ length: n }, (_, i) => (i * 91) % 256))).toBe(
        Buffer.from(Uint8Array.from({ length: n }, (_, i) => (i * 91) % 256)).toString('base64'),
      );
  });
});

describe('figure parts', () => {
  it('maps attention to viridis on a log scale, invisible entries transparent', () => {
    const rgba = attentionRgba(Float32Array.from([1, 1e-4, Number.NaN, 1e-9]), 2);
    expect([...rgba.subarray(0, 4)]).toEqual([253, 231, 37, 255]); // viridis(1)
    expect([...rgba.subarray(4, 8)]).toEqual([68, 1, 84, 255]); // viridis(0)
    expect(rgba[11]).toBe(0);
    expect([...rgba.subarray(12, 16)]).toEqual([68, 1, 84, 255]); // below the floor: darkest
  });

  it('flows legend items into rows no wider than asked', () => {
    const items = ['VL-Cache', 'H2O', 'StreamingLLM', 'PyramidKV', 'SnapKV'].map((label) => ({
      label,
      colour: '#000',
    }));
    const { at, rows } = legendLayout(items, 284);
    expect(rows).toBe(2);
    expect(at[0]).toEqual({ x: 0, row: 0 });
    expect(at[4].row).toBe(1);
    expect(legendLayout(items, 10_000).rows).toBe(1);
  });

  it('finds modality spans', () => {
    const t = (modality: 'text-pre' | 'image' | 'text-post' | 'generated') => ({ modality });
    expect(modalitySpans([t('text-pre'), t('image'), t('image'), t('text-post'), t('generated')])).toEqual([
      { modality: 'text-pre', start: 0, end: 1 },
      { modality: 'image', start: 1, end: 3 },
      { modality: 'text-post', start: 3, end: 4 },
      { modality: 'generated', start: 4, end: 5 },
    ]);
  });
});

describe('figures of a synthetic recording', () => {
  it('renders all six with their data and CSVs', async () => {
    const r = syntheticRecording({ seed: 3, L: 3 });
    const n = r.info.dims.m + r.info.dims.G;
    const set = await buildFigureSet(
      {
        stats: r.stats,
        kvDtype: 'f16',
        tokens: r.info.tokens,
        image: r.info.image,
        imageGrid: r.info.model.imageGrid,
        tile: async (l, h) => r.tile(l, h, [0, n], [0, n]),
        windowSums: async () => {
          throw new Error('not needed at these params');
        },
      },
      {
        layer: 1,
        head: 'mean',
        policies: ['vl-cache', 'h2o', 'streaming-llm'],
        budget: { kind: 'percent', basisPoints: 2000 },
        edge: 120,
        windowFraction: 10,
        nSink: 4,
        granularity: 'kvHead',
      },
    );
    expect(set.sparsity.series.map((s) => s.id)).toEqual(['prefill', 'postVision', 'decode']);
    expect(set.budgets.series.map((s) => s.values.length)).toEqual([3, 3, 3]);
    expect(set.kept.policies).toHaveLength(3);
    expect(set.recall.series.map((s) => s.values.at(-1))).toEqual([1, 1, 1]);
    expect(set.attention.values).toHaveLength(n * n);
    for (const id of FIGURE_IDS) {
      const svg = figureSvg(id, set[id]);
      expect(svg.startsWith('<?xml'), id).toBe(true);
      expect(svg).toContain('class="legend"');
      expect(svg).not.toMatch(/NaN|undefined/);
      expect(figureCsv(id, set[id]).split('\n').length, id).toBeGreaterThan(2);
    }
  });
});
