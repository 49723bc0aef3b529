import { describe, expect, it } from 'vitest';
import { getTile, INVISIBLE } from '../../../../analysis/attention/getTile';
import { getDecodeRows } from '../../../../analysis/attention/decodeRows';
import { attentionRow } from '../../../../analysis/attention/attentionRow';
import { InvalidRangeError, ShapeError } from '../../../../analysis/attention/errors';
import { handLayout, handProb, handSpec, handTensors, n } from './handCase';

function close(a: number, b: number): void {
  expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-6 + 1e-5 * Math.abs(b));
}

describe('exact tiles and decode rows on demand', () => {
  const t = handTensors();
  const spec = handSpec();

  it('returns A[q, j] for a row × column range, NaN where j is not visible', () => {
    // Rows 2..4, keys 1..4 of head 0: A = w_j / W_q with W = 6, 8, 9; key 3 invisible to row 2, key 4 to
    // rows 2 and 3.
    const tile = getTile(spec, t, 0, 0, [2, 5], [1, 5]);
    expect(tile.length).toBe(12);
    const expected = [
      [1 / 6, 1 / 6, Number.NaN, Number.NaN],
      [1 / 8, 1 / 8, 2 / 8, Number.NaN],
      [1 / 9, 1 / 9, 2 / 9, 1 / 9],
    ];
    expected.flat().forEach((e, i) => {
      if (Number.isNaN(e)) expect(tile[i]).toBeNaN();
      else close(tile[i], e);
    });
    expect(Number.isNaN(INVISIBLE)).toBe(true);
  });

  it('normalises each row over all its visible keys, not over the tile', () => {
    const tile = getTile(spec, t, 0, 1, [7, 8], [0, 2]);
    close(tile[0], 1 / 8);
    close(tile[1], 1 / 8);
  });

  it("'mean' averages the query heads", () => {
    const tile = getTile(spec, t, 0, 'mean', [5, 7], [0, n]);
    for (let r = 0; r < 2; r++)
      for (let j = 0; j < n; j++) {
        const q = 5 + r;
        const v = tile[r * n + j];
        if (j > q) expect(v).toBeNaN();
        else close(v, (handProb(0, q, j) + handProb(1, q, j) + handProb(2, q, j) + handProb(3, q, j)) / 4);
      }
  });

  it('agrees with attentionRow under a sliding window', () => {
    const s = handSpec({ slidingWindow: [4] });
    const tile = getTile(s, t, 0, 2, [0, n], [0, n]);
    for (let q = 0; q < n; q++) {
      const row = attentionRow(s, t, 0, 2, q);
      for (let j = 0; j < n; j++) {
        const v = tile[q * n + j];
        if (j < row.start || j > q) expect(v).toBeNaN();
        else expect(v).toBe(row.values[j - row.start]);
      }
    }
  });

  it('decode rows are rows m..m+G over all n keys', () => {
    const d = getDecodeRows(spec, handLayout, t, 0, 3);
    expect(d.rows).toBe(2);
    expect(d.cols).toBe(n);
    // Row 8 of head 3: u_j² / 23, key 9 not yet visible.
    [1, 1, 4, 1, 1, 1, 4, 1, 9].forEach((u2, j) => {
      close(d.values[j], u2 / 23);
    });
    expect(d.values[9]).toBeNaN();
    close(d.values[n + 9], 1 / 24);
    expect(() => getDecodeRows(spec, { ...handLayout, G: 3 }, t, 0, 0)).toThrow(ShapeError);
  });

  it('rejects empty or out-of-range ranges and heads', () => {
    expect(() => getTile(spec, t, 0, 0, [3, 3], [0, 2])).toThrow(InvalidRangeError);
    expect(() => getTile(spec, t, 0, 0, [0, n + 1], [0, 2])).toThrow(InvalidRangeError);
    expect(() => getTile(spec, t, 0, 0, [0, 2], [-1, 2])).toThrow(InvalidRangeError);
    expect(() => getTile(spec, t, 0, 4, [0, 2], [0, 2])).toThrow(InvalidRangeError);
  });
});
