import { describe, expect, it } from 'vitest';
import { EmptyPostVisionError } from '../../../../../analysis/policies/errors';
import { postVisionScore } from '../../../../../analysis/policies/scorers/postVision';
import { catchError } from '../helpers/catchError';
import { exampleStats } from '../helpers/example';
import { expectClose } from '../helpers/expectClose';

const close = (actual: Float32Array, expected: number[]) => expectClose(actual, expected, 6);

describe('postVision scorer (VL-Cache)', () => {
  it('sums the post-vision rows over the query heads of each KV head', () => {
    // Layer 0, rows 6 and 7 (see helpers/example.ts). Non-peak entries are 0.1.
    // KV 0 = heads 0 (peaks: key 4 in rows 6 and 7) and 1 (key 1 in row 6, key 5 in row 7):
    //   j=0: h0 .1+.1, h1 .1+.1 = .4     j=1: h0 .2, h1 .4+.1 = .7     j=2,3: .4
    //   j=4: h0 .4+.3 = .7, h1 .2 = .9   j=5: h0 .2, h1 .1+.3 = .6     j=6: .4
    //   j=7: only row 7 sees it: .1 + .1 = .2
    // KV 1 = heads 2 (key 3 in both rows) and 3 (key 6 in row 6, key 7 in row 7):
    //   j=3: h2 .7 + h3 .2 = .9   j=6: h2 .2 + h3 (.4 + .1) = .7   j=7: h2 .1 + h3 .3 = .4   else .4
    const s = postVisionScore(exampleStats());
    close(s.subarray(0, 8), [0.4, 0.7, 0.4, 0.4, 0.9, 0.6, 0.4, 0.2]);
    close(s.subarray(8, 16), [0.4, 0.4, 0.4, 0.9, 0.4, 0.4, 0.7, 0.4]);
    // Layer 1 is uniform: rows 6 and 7 give 1/7 + 1/8 = 15/56 per head for j ≤ 6, 1/8 for j = 7;
    // two heads per KV head double it.
    close(s.subarray(16, 24), [...new Array(7).fill(15 / 28), 1 / 4]);
  });

  it('sums over KV heads at layer granularity', () => {
    // Layer 0: KV 0 + KV 1 = [.8, 1.1, .8, 1.3, 1.3, 1.0, 1.1, .6].
    const s = postVisionScore(exampleStats(), 'layer');
    expect(s.length).toBe(2 * 8);
    close(s.subarray(0, 8), [0.8, 1.1, 0.8, 1.3, 1.3, 1.0, 1.1, 0.6]);
  });

  it('raises EmptyPostVisionError when no text follows the image (τ = 0), never NaN', () => {
    const stats = exampleStats(8);
    const e = catchError(() => postVisionScore(stats), EmptyPostVisionError);
    expect(e.code).toBe('empty-post-vision');
    expect(e.details).toEqual({ user: 'postVision scorer', m: 8, postVisionStart: 8 });
  });
});
