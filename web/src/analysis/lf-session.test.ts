import { describe, expect, it } from 'vitest';
import { analyzeLabelMatrix } from '../../../shared/analysis/analyze.ts';
import { columnValues } from '../../../shared/lf/column-batch.ts';
import { assetFromValues, joinOnKey, toSampleTable } from '../workers/asset-table.ts';
import { labelDistribution } from '../../../shared/labelmodel/result-labels.ts';
import { fitMatrix } from '../workers/fit-matrix.ts';
import { LfSession } from './lf-session.ts';

// 6 comments; a rule gives the length of 5 of them (id 6 missing), in another order.
const indexValues = {
  id: [1n, 2n, 3n, 4n, 5n, 6n],
  text: ['buy now http://x', 'nice song', 'FREE money', 'great lesson', 'click http://y', 'thanks'],
};
const index = assetFromValues('comments', 'id', indexValues);
const rule = assetFromValues('features', 'id', { id: [5n, 4n, 3n, 2n, 1n], text_length: [14, 12, 10, 9, 16] });

function session() {
  const joined = joinOnKey(index, [rule]);
  return new LfSession(toSampleTable('id', joined.n, joined.columns), 2);
}

describe('joinOnKey', () => {
  it('places rule columns on the index row of the same key, null where the rule has no row', () => {
    const joined = joinOnKey(index, [rule]);
    expect(columnValues(joined.columns.text_length!)).toEqual([16, 9, 10, 12, 14, null]);
  });
  it('joins on text keys and on sparse number keys too (looked up in a map)', () => {
    const byName = joinOnKey(assetFromValues('a', 'k', { k: ['x', 'y', 'z'], v: [1, 2, 3] }), [assetFromValues('r', 'k', { k: ['z', 'x'], flag: [true, false] })]);
    expect(columnValues(byName.columns.flag!)).toEqual([false, null, true]);
    const sparse = joinOnKey(assetFromValues('a', 'k', { k: [1e12, 5, -7] }), [assetFromValues('r', 'k', { k: [-7, 1e12], s: ['m', 'n'] })]);
    expect(columnValues(sparse.columns.s!)).toEqual(['n', null, 'm']);
  });
  it('keeps a rule\'s own nulls in another key order, and gives a rule that covers every row no null mask', () => {
    const shuffled = assetFromValues('r', 'id', { id: [6n, 3n, 1n, 2n, 5n, 4n], likes: [6, null, 1, 2, 5, 4] });
    const joined = joinOnKey(index, [shuffled, rule]);
    expect(columnValues(joined.columns.likes!)).toEqual([1, 2, null, 4, 5, 6]);
    const full = joinOnKey(index, [assetFromValues('r', 'id', { id: [6n, 5n, 4n, 3n, 2n, 1n], likes: [6, 5, 4, 3, 2, 1] })]);
    expect(full.columns.likes).toMatchObject({ nulls: null });
    expect(columnValues(full.columns.likes!)).toEqual([1, 2, 3, 4, 5, 6]);
  });
  it('takes a rule in the index\'s key order as it is, and names a clashing column after its rule', () => {
    const sameOrder = assetFromValues('copy', 'id', { id: [...indexValues.id], text: ['a', 'b', 'c', 'd', 'e', 'f'] });
    const joined = joinOnKey(index, [sameOrder]);
    expect(joined.columns['copy.text']).toBe(sameOrder.columns.text);
    expect(joined.columns.text).toBe(index.columns.text);
  });
});

describe('sample rows', () => {
  it('shows timestamps as ISO dates and nulls as ∅', () => {
    const asset = assetFromValues('events', 'id', { id: [1, 2], at: [new Date('2024-03-05T06:07:08Z'), null], note: ['x', null] });
    const s = new LfSession(toSampleTable('id', 2, joinOnKey(asset, []).columns), 2);
    expect(s.sampleRow(0).fields).toEqual({ id: '1', at: '2024-03-05T06:07:08', note: 'x' });
    expect(s.sampleRow(1).fields).toEqual({ id: '2', at: '∅', note: '∅' });
  });
});

describe('LfSession', () => {
  it('reports the stats of an edited LF equal to a fresh analysis of the whole matrix', () => {
    const s = session();
    s.setLf('a', { type: 'regex', name: 'link', label: 1, field: 'text', pattern: 'http://' });
    s.setLf('b', { type: 'template', name: 'long', label: 1, field: 'text_length', operator: '>=', value: 12 });
    const c = s.setLf('c', { type: 'regex', name: 'thanks', label: 0, field: 'text', pattern: 'thank|nice|great', case_insensitive: true });
    expect(c.samples.map((r) => r.key)).toEqual(['2', '4', '6']);
    const L = s.labelMatrix(['a', 'b', 'c']);
    expect(Array.from(L)).toEqual([1, 1, -1, -1, -1, 0, -1, -1, -1, -1, 1, 0, 1, 1, -1, -1, -1, 0]);
    const fresh = analyzeLabelMatrix(L, 6, 3, 2, new Int32Array(6).fill(-1));
    expect(s.summary().lfs.map((l) => l.stats)).toEqual(fresh.lfs);
    expect(s.summary().overall.conflict).toBeCloseTo(1 / 6);
  });

  it('recomputes on edit and forgets a removed LF', () => {
    const s = session();
    s.setLf('a', { type: 'regex', name: 'link', label: 1, field: 'text', pattern: 'http://' });
    expect(s.summary().lfs[0]!.stats.coverage).toBeCloseTo(2 / 6);
    s.setLf('a', { type: 'regex', name: 'link', label: 1, field: 'text', pattern: 'http://|FREE' });
    expect(s.summary().lfs[0]!.stats.coverage).toBeCloseTo(3 / 6);
    s.removeLf('a');
    expect(s.summary()).toMatchObject({ lfs: [], overall: { coverage: 0 } });
  });

  it('counts gold labels into empirical accuracy as they are given', () => {
    const s = session();
    s.setLf('a', { type: 'regex', name: 'link', label: 1, field: 'text', pattern: 'http://' });
    s.setGold([[0, 1], [4, 0]]);
    expect(s.summary().lfs[0]!.stats).toMatchObject({ correct: 1, incorrect: 1, empiricalAccuracy: 0.5 });
    expect(s.samples({ kind: 'gold', label: 1 }).rows.map((r) => r.key)).toEqual(['1']);
    expect(s.rowsOfKeys(['5', '1', '99'])).toEqual([4, 0, -1]);
  });

  it('filters samples by conflicts and by rows no LF votes on', () => {
    const s = session();
    s.setLf('a', { type: 'regex', name: 'link', label: 1, field: 'text', pattern: 'http://' });
    s.setLf('b', { type: 'regex', name: 'buy', label: 0, field: 'text', pattern: 'buy' });
    expect(s.samples({ kind: 'conflicts' }).rows.map((r) => r.key)).toEqual(['1']);
    expect(s.samples({ kind: 'abstain-all' }).total).toBe(4);
  });

  it('browses samples by predicted label and confidence once predictions are set', () => {
    const s = session();
    expect(s.samples({ kind: 'predicted', label: 1, minConfidence: 0, maxConfidence: 1 })).toMatchObject({ total: 0, predicted: false });
    s.setPredictions(Int32Array.from([1, 0, 1, -1, 1, 0]), Float64Array.from([0.2, 0.8, 0.9, 0.1, 0.4, 0.6, 0.5, 0.5, 0.05, 0.95, 0.7, 0.3]), Int32Array.from([1, 1, 1, 2, 1, 1]));
    const sure = s.samples({ kind: 'predicted', label: 1, minConfidence: 0.7, maxConfidence: 1 });
    expect(sure.predicted).toBe(true);
    expect(sure.rows.map((r) => [r.key, r.predicted, r.confidence])).toEqual([['1', 1, 0.8], ['5', 1, 0.95]]);
    expect(s.samples({ kind: 'predicted', label: -1, minConfidence: 0, maxConfidence: 1 }).rows.map((r) => r.key)).toEqual(['4']);
  });
});

describe('what training counts from the session instead of the matrix', () => {
  const trainOn = (s: LfSession, slots: string[], counted = s.trainingCounts(slots)) => fitMatrix({
    L: s.labelMatrix(slots), n: 6, m: slots.length, k: 2, gold: s.goldLabels(), settings: { model: 'snorkel', seed: 0, epochs: 50, lr: 0.01 },
    ...(counted ? { counted } : {}),
  }, () => {});
  const withLfs = () => {
    const s = session();
    s.setLf('a', { type: 'regex', name: 'link', label: 1, field: 'text', pattern: 'http://' });
    s.setLf('gone', { type: 'regex', name: 'free', label: 1, field: 'text', pattern: 'FREE' });
    s.setLf('b', { type: 'template', name: 'long', label: 1, field: 'text_length', operator: '>=', value: 12 });
    s.setLf('c', { type: 'regex', name: 'thanks', label: 0, field: 'text', pattern: 'thank|nice|great|buy', case_insensitive: true });
    s.removeLf('gone');
    return s;
  };

  it('gives the analysis and votes per row of the matrix trained on, in its LF order, with and without gold', () => {
    const s = withLfs();
    const slots = ['c', 'a', 'b'];
    const counted = s.trainingCounts(slots)!;
    const fresh = trainOn(s, slots, undefined);
    expect(counted.analysis).toEqual(fresh.analysis);
    expect(counted.analysis.lfs[0]).not.toHaveProperty('empirical_accuracy');
    expect(Array.from(counted.nVotes)).toEqual(Array.from(fresh.nVotes));
    s.setGold([[0, 1], [1, 0], [4, 0]]);
    const withGold = trainOn(s, slots, undefined);
    expect(s.trainingCounts(slots)!.analysis).toEqual(withGold.analysis);
    expect(withGold.analysis.lfs[1]!.empirical_accuracy).toBe(0.5);
  });

  it('trains to the same output either way', () => {
    const s = withLfs();
    s.setGold([[0, 1], [3, 0]]);
    const { ms: _a, phases: _b, ...counted } = trainOn(s, ['b', 'c', 'a']);
    const { ms: _c, phases: _d, ...fresh } = trainOn(s, ['b', 'c', 'a'], undefined);
    expect(counted).toEqual(fresh);
  });

  it('has nothing to give when the matrix leaves out a live LF (the session counts over all of them)', () => {
    const s = withLfs();
    expect(s.trainingCounts(['a', 'b'])).toBeUndefined();
    expect(s.trainingCounts(['a', 'b', 'b'])).toBeUndefined();
    expect(s.trainingCounts(['a', 'b', 'gone'])).toBeUndefined();
  });
});

describe('a concept with more classes than a signed byte holds (k = 200)', () => {
  it('keeps votes above 127 from the LFs through the label matrix to the trained labels', () => {
    const joined = joinOnKey(index, [rule]);
    const s = new LfSession(toSampleTable('id', joined.n, joined.columns), 200);
    s.setLf('long', { type: 'template', name: 'long', label: 150, field: 'text_length', operator: '>=', value: 12 });
    s.setLf('link', { type: 'regex', name: 'link', label: 199, field: 'text', pattern: 'http://' });
    const L = s.labelMatrix(['long', 'link']);
    expect(L).toBeInstanceOf(Int16Array);
    expect(Array.from(L)).toEqual([150, 199, -1, -1, -1, -1, 150, -1, 150, 199, -1, -1]);
    const gold = new Int32Array(6).fill(-1);
    const out = fitMatrix({ L, n: 6, m: 2, k: 200, gold, settings: { model: 'mv', seed: 0, epochs: 100, lr: 0.01 } }, () => {});
    expect(out.analysis.lfs.map((lf) => lf.polarity)).toEqual([[150], [199]]);
    // Rows 0 and 4 have both votes (a tie), row 1 none, rows 3 and 5: long only.
    expect(Array.from(out.preds)).toEqual([-1, -1, -1, 150, -1, -1]);
    expect(labelDistribution(out.preds, out.nVotes, 200)[150]).toBe(1);
  });
});
