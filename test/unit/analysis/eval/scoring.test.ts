import { describe, expect, it } from 'vitest';
import {
  bagOfWordsF1,
  checkReference,
  normalise,
  scoreAnswer,
  splitAnswer,
} from '../../../../analysis/eval/scoring';

describe('normalise (ALGORITHMS §7)', () => {
  it.each([
    ['The Triangle is RED.', 'the triangle is red'],
    [
      '  a red circle,  an orange square\tand the number 47 ',
      'a red circle an orange square and the number 47',
    ],
    ['what?!', 'what'],
    ["it's 4-7", 'its 47'],
    ['', ''],
    [' .,; ', ''],
  ])('%j → %j', (text, expected) => expect(normalise(text)).toBe(expected));
});

describe('lead-in and answer part of each short-answer task', () => {
  it.each([
    ['colour', 'the triangle is red', 'the triangle is', 'red'],
    ['colour', 'the blue star is green.', 'the blue star is', 'green'],
    ['shape', 'the red object is a triangle', 'the red object is a', 'triangle'],
    ['shape', 'the orange object is an ellipse', 'the orange object is an', 'ellipse'],
    ['count', 'the number of circles is 3', 'the number of circles is', '3'],
    ['count', 'the number of red objects is 0', 'the number of red objects is', '0'],
    ['position', 'the blue star is on the left', 'the blue star is', 'on the left'],
    ['position', 'The square is in the centre.', 'the square is', 'in the centre'],
    ['number', 'the number is 47', 'the number is', '47'],
  ] as const)('%s: %j', (task, text, leadIn, answerPart) => {
    expect(splitAnswer(task, text)).toEqual({ leadIn, answerPart });
  });

  it.each([
    ['colour', 'red'],
    ['colour', 'the triangle is'],
    ['colour', 'the triangle is red red'],
    ['shape', 'the red object is triangle'],
    ['count', 'the number of circles is three'],
    ['position', 'the star is left'],
    ['number', 'the number is 4 7'],
    ['number', 'the number of circles is 3'],
  ] as const)('%s: %j has no answer part', (task, text) => expect(splitAnswer(task, text)).toBeNull());
});

describe('bag-of-words F1 (SQuAD style)', () => {
  it('is 10/17 on a hand-computed caption pair', () => {
    // pred: a red circle and a blue square (7 words); ref: a red circle an orange square and the
    // number 47 (10 words); common multiset: a, red, circle, and, square = 5 → P = 5/7, R = 1/2.
    expect(
      bagOfWordsF1('a red circle and a blue square', 'a red circle, an orange square and the number 47'),
    ).toBeCloseTo(10 / 17, 12);
  });

  it('counts repeated words at most as often as the reference has them', () => {
    // pred: red red red (3); ref: red circle (2); common = 1 → P = 1/3, R = 1/2, F1 = 2/5.
    expect(bagOfWordsF1('red red red', 'red circle')).toBeCloseTo(0.4, 12);
  });

  it('ignores order, case and punctuation; is symmetric', () => {
    expect(bagOfWordsF1('Square, circle.', 'circle square')).toBe(1);
    expect(bagOfWordsF1('a b c', 'c d')).toBeCloseTo(bagOfWordsF1('c d', 'a b c'), 15);
  });

  it('handles empty answers: 1 when both are empty, 0 when one is', () => {
    expect(bagOfWordsF1('', '')).toBe(1);
    expect(bagOfWordsF1('...', 'a red circle')).toBe(0);
    expect(bagOfWordsF1('a red circle', '')).toBe(0);
    expect(bagOfWordsF1('blue', 'red')).toBe(0);
  });
});

describe('scoreAnswer', () => {
  it('short answers: exact match of the answer part only', () => {
    expect(scoreAnswer('colour', 'The triangle is red.', 'the triangle is red')).toEqual({
      score: 1,
      answerPart: 'red',
      leadInMatch: true,
    });
    expect(scoreAnswer('colour', 'the triangle is blue', 'the triangle is red')).toEqual({
      score: 0,
      answerPart: 'blue',
      leadInMatch: true,
    });
    // A different lead-in with the right answer part counts, and is flagged.
    expect(scoreAnswer('colour', 'the circle is red', 'the triangle is red')).toEqual({
      score: 1,
      answerPart: 'red',
      leadInMatch: false,
    });
    expect(scoreAnswer('number', 'the number is 4', 'the number is 47').score).toBe(0);
    expect(scoreAnswer('number', 'the number is 470', 'the number is 47').score).toBe(0);
    expect(scoreAnswer('position', 'the star is at the left', 'the star is on the left').score).toBe(0);
    expect(scoreAnswer('count', 'the number of circles is 3', 'the number of circles is 3').score).toBe(1);
  });

  it('short answers that do not parse score 0 with no answer part', () => {
    expect(scoreAnswer('shape', 'the red object', 'the red object is a star')).toEqual({
      score: 0,
      answerPart: null,
      leadInMatch: false,
    });
    expect(scoreAnswer('colour', '', 'the star is blue').score).toBe(0);
  });

  it('captions: F1, no answer part', () => {
    expect(scoreAnswer('caption', 'a red circle', 'a red circle and a blue square')).toEqual({
      // pred 3 words, ref 7, common 3 → P = 1, R = 3/7 → F1 = 6/10.
      score: expect.closeTo(0.6, 12),
      answerPart: null,
      leadInMatch: null,
    });
  });

  it('refuses a reference that is not its task’s sentence', () => {
    expect(() => scoreAnswer('colour', 'the star is red', 'red')).toThrow(/not a colour answer/);
  });
});

describe('checkReference', () => {
  it('accepts every task’s sentence and rejects others with a reason', () => {
    expect(checkReference('count', 'the number of stars is 2')).toBeNull();
    expect(checkReference('caption', 'anything at all')).toBeNull();
    expect(checkReference('number', 'forty seven')).toMatch(/not a number answer/);
    expect(checkReference('caption', ' ! ')).toBe('the answer is empty');
  });
});
