/**
 * The TypeScript attention core against the numpy float64 reference
 * (tools/reference/attention_reference.py → test/fixtures/reference/attention.json), within
 * ALGORITHMS §9: floats |a − b| ≤ 1e-6 + 1e-5·|b|, sparsities within 1e-4, histograms with equal
 * totals and bins that may differ only by entries within 1e-5 of an edge (the generator rejects seeds
 * with x within 1e-6 of an edge, so here they are in fact identical), overview levels within one step.
 */
import { describe, expect, it } from 'vitest';
import { attentionRow } from '../../../../analysis/attention/attentionRow';
import { buildStats } from '../../../../analysis/attention/buildStats';
import { EDGE_COUNT } from '../../../../analysis/attention/histogramGrid';
import { headSparsity, layerSparsity } from '../../../../analysis/attention/sparsity';
import { sparsityDirect } from '../../../../analysis/attention/sparsityDirect';
import { HIST_BINS, type RowSet, ROW_SETS } from '../../../../analysis/attention/stats';
import { loadAttentionReference, referenceLayers } from './referenceFixture';

const fixture = loadAttentionReference();

function offBy(actual: ArrayLike<number>, expected: number[]): string[] {
  const bad: string[] = [];
  if (actual.length !== expected.length) return [`length ${actual.length} vs ${expected.length}`];
  for (let i = 0; i < expected.length; i++)
    if (!(Math.abs(actual[i] - expected[i]) <= 1e-6 + 1e-5 * Math.abs(expected[i])))
      bad.push(`[${i}] ${actual[i]} vs ${expected[i]}`);
  return bad;
}

describe.each(fixture.cases.map((c) => [c.name, c] as const))('numpy reference: %s', (_name, ref) => {
  const layers = referenceLayers(ref);
  const stats = buildStats(ref.spec, ref.layout, (l) => layers[l]);
  const { layers: L, heads: H } = ref.spec;
  const n = ref.layout.m + ref.layout.G;

  it('is a fixture worth testing: rows neither uniform nor one-hot, an image span, post-vision rows', () => {
    expect(ref.imageSpan[1]).toBe(ref.layout.postVisionStart);
    expect(ref.layout.postVisionStart).toBeLessThan(ref.layout.m);
    const maxima = ref.rows[0][0].length;
    expect(maxima).toBe((n * (n + 1)) / 2);
  });

  it('attention rows', () => {
    const bad: string[] = [];
    for (let l = 0; l < L; l++)
      for (let h = 0; h < H; h++) {
        const ts: number[] = [];
        for (let q = 0; q < n; q++) ts.push(...attentionRow(ref.spec, layers[l], l, h, q).values);
        bad.push(...offBy(ts, ref.rows[l][h]).map((s) => `l${l} h${h} ${s}`));
      }
    expect(bad.slice(0, 5)).toEqual([]);
  });

  it('histograms: equal totals, differences only across near-edge entries (here: none)', () => {
    const problems: string[] = [];
    for (let i = 0; i < L * H * ROW_SETS.length; i++) {
      let ca = 0;
      let cb = 0;
      for (let b = 0; b < HIST_BINS; b++) {
        ca += stats.hist[i * HIST_BINS + b];
        cb += ref.hist[i * HIST_BINS + b];
        if (b < EDGE_COUNT && Math.abs(ca - cb) > ref.nearEdge[i * EDGE_COUNT + b])
          problems.push(`${i} edge ${b}`);
      }
      if (ca !== cb) problems.push(`${i} total ${ca} vs ${cb}`);
    }
    expect(problems).toEqual([]);
    expect(Array.from(stats.hist)).toEqual(ref.hist);
  });

  it('sparsity per head and per layer, from histograms and counted directly', () => {
    for (const s of ref.sparsity) {
      const rowSet = s.rowSet as RowSet;
      expect(Math.abs(headSparsity(stats, s.layer, s.head, rowSet, s.edge) - s.value)).toBeLessThanOrEqual(
        1e-4,
      );
    }
    for (const s of ref.layerSparsity)
      expect(
        Math.abs(layerSparsity(stats, s.layer, s.rowSet as RowSet, s.edge) - s.value),
      ).toBeLessThanOrEqual(1e-4);
    // The direct count on a sample (it recomputes every row).
    for (const s of ref.sparsity.filter((x) => x.edge === 120 && x.head === 1)) {
      const d = sparsityDirect(
        ref.spec,
        ref.layout,
        layers[s.layer],
        s.layer,
        s.head,
        s.rowSet as RowSet,
        s.edge,
      );
      expect(Math.abs(d - s.value)).toBeLessThanOrEqual(1e-4);
    }
  });

  it('every Stats vector', () => {
    for (const k of ['postVision', 'accumulated', 'lastQuery', 'keyNorm', 'recallW', 'oracle'] as const)
      expect(offBy(stats[k], ref[k]).slice(0, 5), k).toEqual([]);
    for (const w of fixture.windowSizes)
      expect(offBy(stats.windowSums[w], ref.windowSums[String(w)]).slice(0, 5), `window ${w}`).toEqual([]);
  });

  it('overview maps: same "no data" pixels, levels within one step', () => {
    expect(stats.overviewSize).toBe(ref.overviewSize);
    let differ = 0;
    const problems: string[] = [];
    ref.overview.forEach((b, i) => {
      const a = stats.overview[i];
      if ((a === 0) !== (b === 0) || Math.abs(a - b) > 1) problems.push(`${i}: ${a} vs ${b}`);
      else if (a !== b) differ++;
    });
    expect(problems.slice(0, 5)).toEqual([]);
    expect(differ).toBeLessThan(ref.overview.length / 100);
  });
});
