import { describe, expect, it } from 'vitest';
import {
  basisPointsToSlider,
  budgetLayout,
  percentBudget,
  requestedPercent,
  requestedTokens,
  SLIDER_MAX,
  sliderToBasisPoints,
  tokensBudget,
} from '../../../../renderer/src/views/budget/layout';
import { curvesLayout } from '../../../../renderer/src/views/compare/layout';
import { tokenLayout } from '../../../../renderer/src/views/common/tokenSpans';
import {
  BOTH,
  countKept,
  keptCellAt,
  keptLayout,
  matrixRows,
  NEITHER,
  ONLY_A,
  ONLY_B,
  rasterizeKept,
  stateAt,
  stateMatrix,
} from '../../../../renderer/src/views/kept/layout';
import {
  cellValues,
  groupsShown,
  keptFractions,
  overlayLayout,
  postVisionVector,
} from '../../../../renderer/src/views/overlay/layout';
import { msLabel, orderedTimings, runStages } from '../../../../renderer/src/views/run/layout';
import { edgeLabel, sparsityLayout } from '../../../../renderer/src/views/sparsity/layout';
import type { KeptSets } from '../../../../analysis/policies/keptSet';
import { syntheticRecording } from '../helpers/syntheticRecording';

const rec = syntheticRecording();

/** Kept sets with the given sorted positions per (layer, group). */
function kept(m: number, sets: number[][][]): KeptSets {
  const L = sets.length;
  const groups = sets[0].length;
  const k = new Int32Array(L).map((_, l) => sets[l][0].length);
  const offsets = new Int32Array(L * groups + 1);
  const flat: number[] = [];
  sets.forEach((heads, l) => {
    heads.forEach((s, g) => {
      flat.push(...s);
      offsets[l * groups + g + 1] = offsets[l * groups + g] + s.length;
    });
  });
  return { L, groups, m, k, window: new Int32Array(L), offsets, indices: Int32Array.from(flat) };
}

describe('sparsity layout', () => {
  it('draws each row set over layers with its spread over heads, and labels edges as % of the row max', () => {
    const L = 3;
    const H = 2;
    const layer = new Float64Array([0.1, 0.2, 0.3, 0.5, 0.6, 0.7, Number.NaN, Number.NaN, Number.NaN]);
    const head = new Float64Array(3 * L * H);
    for (let r = 0; r < 3; r++)
      for (let l = 0; l < L; l++) {
        head[(r * L + l) * H] = layer[r * L + l] - 0.05;
        head[(r * L + l) * H + 1] = layer[r * L + l] + 0.05;
      }
    const g = sparsityLayout({ layer, head }, L, H, { width: 240, height: 140 });
    expect(g.series[0].points.map((p) => p.layer)).toEqual([0, 1, 2]);
    expect(g.series[2].points).toEqual([]); // decode rows: none
    expect(g.series[2].line).toBe('');
    expect(g.y(1)).toBe(g.plot.y);
    expect(g.y(0)).toBe(g.plot.y + g.plot.height);
    expect(g.series[0].range).toMatch(/^M/);
    expect(g.ticksY.map((t) => t.label)).toContain('40 %');
    expect(edgeLabel(120)).toBe('1 %');
    expect(edgeLabel(100)).toBe('0.1 %');
    expect(edgeLabel(160)).toBe('100 %');
  });
});

describe('budget layout', () => {
  it('converts the slider, percent and tokens per layer both ways (ALGORITHMS §4.0)', () => {
    expect(sliderToBasisPoints(0)).toBe(1);
    expect(sliderToBasisPoints(SLIDER_MAX)).toBe(10000);
    expect(sliderToBasisPoints(basisPointsToSlider(1000))).toBe(1000);
    expect(percentBudget(12.345)).toEqual({ kind: 'percent', basisPoints: 1235 });
    expect(percentBudget(500)).toEqual({ kind: 'percent', basisPoints: 10000 });
    expect(tokensBudget(0.2, 600)).toEqual({ kind: 'tokens', perLayer: 1 });
    expect(tokensBudget(1e6, 600)).toEqual({ kind: 'tokens', perLayer: 600 });
    expect(requestedPercent({ kind: 'tokens', perLayer: 60 }, 600)).toBe(10);
    expect(requestedTokens({ kind: 'percent', basisPoints: 1000 }, 600)).toBe(60);
  });

  it('scales k_l per policy with the uniform share as reference', () => {
    const g = budgetLayout(
      [{ id: 'a', label: 'A', colour: '#000', k: Int32Array.from([40, 10, 10]) }],
      3,
      100,
      60,
      { width: 200, height: 120 },
    );
    expect(g.lines[0].points.map((p) => p.k)).toEqual([40, 10, 10]);
    expect(g.uniformY).toBeCloseTo(g.y(20));
    expect(g.y(0)).toBe(g.plot.y + g.plot.height);
    expect(g.lines[0].points[0].y).toBeLessThan(g.lines[0].points[1].y);
  });
});

describe('kept/evicted matrix layout', () => {
  const a = kept(6, [
    [
      [0, 1, 5],
      [0, 2, 5],
    ],
    [
      [4, 5],
      [3, 5],
    ],
  ]);
  const b = kept(6, [
    [
      [1, 2, 5],
      [0, 1, 2],
    ],
    [
      [0, 5],
      [4, 5],
    ],
  ]);

  it('picks rows for a head choice', () => {
    expect(matrixRows('layers', 2, 2, 4, 0, 3).map((r) => [r.layer, r.group])).toEqual([
      [0, 1],
      [1, 1],
    ]);
    expect(matrixRows('layers', 2, 2, 4, 0, 'mean')).toHaveLength(4);
    expect(matrixRows('heads', 2, 2, 4, 1, 'mean').map((r) => [r.layer, r.group])).toEqual([
      [1, 0],
      [1, 1],
    ]);
  });

  it('marks kept tokens, and only A / only B / both in diff mode, and counts them', () => {
    const rows = matrixRows('layers', 2, 2, 4, 0, 0);
    const single = stateMatrix(rows, a, null);
    expect([...single.subarray(0, 6)]).toEqual([1, 1, 0, 0, 0, 1]);
    // one KV head: the kept count over layers is Σ k_l
    expect(countKept(rows, a, null).onlyA).toBe(3 + 2);
    const diff = stateMatrix(rows, a, b);
    expect([...diff.subarray(0, 6)]).toEqual([ONLY_A, BOTH, ONLY_B, NEITHER, NEITHER, BOTH]);
    const count = (s: number) => diff.reduce((n, x) => n + (x === s ? 1 : 0), 0);
    expect(countKept(rows, a, b)).toEqual({
      onlyA: count(ONLY_A),
      onlyB: count(ONLY_B),
      both: count(BOTH),
      neither: count(NEITHER),
    });
    expect(countKept(rows, a, b)).toEqual({ onlyA: 2, onlyB: 2, both: 3, neither: 5 });
    for (let r = 0; r < rows.length; r++)
      for (let j = 0; j < 6; j++) expect(stateAt(rows[r], j, a, b)).toBe(diff[r * 6 + j]);
  });

  it('blends tokens that share a pixel column, agreeing with the per-token states, and maps pixels back to cells', () => {
    const colours: [number, number, number][] = [
      [0, 0, 0],
      [200, 100, 0],
      [0, 0, 40],
      [0, 80, 0],
    ];
    const rows = matrixRows('layers', 2, 2, 4, 0, 'mean');
    const states = stateMatrix(rows, a, b);
    const { pixels, cols } = rasterizeKept(rows, a, b, 3, colours);
    expect(cols).toBe(3);
    for (let r = 0; r < rows.length; r++)
      for (let c = 0; c < 3; c++)
        for (let ch = 0; ch < 3; ch++) {
          const mean = (colours[states[r * 6 + 2 * c]][ch] + colours[states[r * 6 + 2 * c + 1]][ch]) / 2;
          expect(pixels[(r * 3 + c) * 4 + ch]).toBe(Math.round(mean));
        }
    const t = tokenLayout(rec.info);
    const L = keptLayout(4, t.m, t.spans, { width: 24 + 42, height: 40 + 24 });
    expect(L.spans.map((s) => s.modality)).toEqual(['text-pre', 'image', 'text-post']);
    expect(L.spans[1].x0).toBeCloseTo(L.x(3));
    expect(keptCellAt(L, 4, t.m, L.plot.x + 0.5, L.plot.y + L.rowHeight * 2.5)).toEqual({ row: 2, pos: 0 });
  });
});

describe('image overlay layout', () => {
  it('maps patch cells to tokens, attention rows and kept fractions', () => {
    const o = overlayLayout({ width: 200, height: 100 }, 1, rec.info.tokens, rec.info.model.imageGrid);
    expect(o.image).toEqual({ x: 50, y: 0, width: 100, height: 100 });
    expect(o.cellW).toBe(25);
    expect(o.positions[0]).toBe(3);
    expect(o.positions[15]).toBe(18);
    const row = new Float32Array(16).map((_, i) => i / 100);
    const { cells, max } = cellValues(o, row, 3);
    expect(cells[5]).toBeCloseTo(0.05);
    expect(max).toBeCloseTo(0.15);
    const k = kept(24, [
      [
        [3, 4, 20],
        [4, 5, 20],
      ],
    ]);
    expect(groupsShown(k, 4, 3)).toEqual([1]);
    expect(groupsShown(k, 4, 'mean')).toEqual([0, 1]);
    const f = keptFractions(o, k, 0, [0, 1]);
    expect([f[0], f[1], f[2], f[3]]).toEqual([0.5, 1, 0.5, 0]);
    const pv = postVisionVector(rec.stats.postVision, rec.stats.dims, 1, 'mean');
    const { Hkv, m } = rec.stats.dims;
    let s = 0;
    for (let g = 0; g < Hkv; g++) s += rec.stats.postVision[(1 * Hkv + g) * m + 7];
    expect(pv[7]).toBeCloseTo(s, 5);
  });
});

describe('policy comparison layout', () => {
  it('puts budgets on a log axis from 1 % to 100 % and marks the current budget', () => {
    const g = curvesLayout(
      [{ id: 'a', colour: '#000', values: Float64Array.from([0.1, 0.5, Number.NaN, 1]), current: 0.3 }],
      [100, 1000, 5000, 10000],
      10,
      { width: 240, height: 120 },
    );
    expect(g.x(1)).toBe(g.plot.x);
    expect(g.x(100)).toBe(g.plot.x + g.plot.width);
    expect(g.markerX).toBeCloseTo(g.plot.x + g.plot.width / 2);
    expect(g.lines[0].currentY).toBeCloseTo(g.y(0.3));
    // the NaN point splits the line into two pieces
    expect(g.lines[0].path.match(/M/g)).toHaveLength(2);
  });
});

describe('run panel', () => {
  it('stages progress and orders timings', () => {
    const s = runStages({ runId: 'r', stage: 'decode', fraction: 0.5, step: 3, total: 8 });
    expect(s.map((x) => x.state)).toEqual(['done', 'done', 'done', 'active', 'pending']);
    expect(s[3].label).toBe('decode 3/8');
    expect(runStages(null).every((x) => x.state === 'pending')).toBe(true);
    const o = orderedTimings({ statistics: 5, preprocess: 1, decode: 3, extra: 9 });
    expect(o.rows.map((r) => r.name)).toEqual(['preprocess', 'decode', 'statistics', 'extra']);
    expect(o.total).toBe(9);
    expect(msLabel(850)).toBe('850 ms');
    expect(msLabel(2400)).toBe('2.40 s');
  });
});
