import { describe, expect, it } from 'vitest';
import { scoreConfusion, scorePredictions } from './metrics.ts';

describe('scorePredictions (Snorkel Scorer / sklearn)', () => {
  it('measures coverage on every row and the rest only where gold and prediction are not -1', () => {
    const scores = scorePredictions(Int32Array.from([1, -1, 1, 0]), Int32Array.from([1, 0, 0, -1]), 2);
    expect(scores.coverage).toBe(0.75);
    expect(scores.accuracy).toBe(0.5);
  });

  it('computes binary F1 on class 1 and macro F1 over the classes present', () => {
    const preds = Int32Array.from([1, 1, 0, 0, 1, 2]);
    const gold = Int32Array.from([1, 0, 0, 1, 1, 2]);
    const binary = scorePredictions(Int32Array.from([1, 1, 0, 0, 1]), Int32Array.from([1, 0, 0, 1, 1]), 2);
    // tp = 2, fp = 1, fn = 1
    expect(binary.f1_binary).toBeCloseTo(2 / 3, 12);
    const multi = scorePredictions(preds, gold, 3);
    expect(multi.f1_binary).toBeNull();
    // class 0: tp 1, pred 2, gold 2 -> 0.5; class 1: tp 2, pred 3, gold 3 -> 2/3; class 2: 1
    expect(multi.f1_macro).toBeCloseTo((0.5 + 2 / 3 + 1) / 3, 12);
  });

  it('gives F1 0 to a class that is predicted but never gold', () => {
    const scores = scorePredictions(Int32Array.from([1, 1]), Int32Array.from([0, 0]), 2);
    expect([scores.accuracy, scores.f1_binary, scores.f1_macro]).toEqual([0, 0, 0]);
  });
});

describe('abstained predictions: ignored (Snorkel\'s Scorer) or wrong (a results page\'s gold rows)', () => {
  // Gold 0 0 1 1 1, predicted 0 -1 1 -1 0: two gold rows left without a label.
  const preds = Int32Array.from([0, -1, 1, -1, 0]);
  const gold = Int32Array.from([0, 0, 1, 1, 1]);
  const confusion = [[1, 0, 1], [1, 1, 1]];

  it('scores only the labelled rows when ignored: 2 right of 3', () => {
    expect(scorePredictions(preds, gold, 2, 'ignored').accuracy).toBeCloseTo(2 / 3, 12);
    expect(scoreConfusion(confusion, 'ignored').accuracy).toBeCloseTo(2 / 3, 12);
  });

  it('counts an unlabelled gold row against the labels when wrong: 2 right of 5, each class missing recall', () => {
    const scores = scorePredictions(preds, gold, 2, 'wrong');
    expect(scores.accuracy).toBeCloseTo(2 / 5, 12);
    // class 0: tp 1, predicted 2, gold 2 -> 0.5; class 1: tp 1, predicted 1, gold 3 -> 0.5
    expect(scores.f1_macro).toBeCloseTo(0.5, 12);
    expect(scoreConfusion(confusion, 'wrong')).toEqual({ accuracy: scores.accuracy, f1_macro: scores.f1_macro });
  });

  it('has no scores for a confusion matrix without rows', () => {
    expect(scoreConfusion([[0, 0, 0], [0, 0, 0]], 'wrong')).toEqual({ accuracy: null, f1_macro: null });
  });
});
