import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { resultCsv, resultCsvFromParquet } from './result-csv.ts';
import { resultColumns, resultParquet, type ResultArrays } from './result-table.ts';

const arrays: ResultArrays = {
  n: 3, k: 2, output: 'softmax', keyColumn: 'id', keys: [10, 11, 12],
  probs: Float64Array.from([0.9, 0.1, 0.5, 0.5, 0.2, 0.8]), preds: Int32Array.from([0, -1, 1]), nVotes: Int32Array.from([2, 2, 1]),
};

describe('result columns', () => {
  it('has the seed\'s columns, with confidence the top probability', () => {
    const cols = resultColumns(arrays);
    expect(cols.map((c) => c.name)).toEqual(['id', 'predicted_label', 'prob_class_0', 'prob_class_1', 'confidence', 'n_votes']);
    expect(Array.from(cols[4]!.values as Float64Array)).toEqual([0.9, 0.5, 0.8]);
    expect(resultColumns({ ...arrays, output: 'hard' }).map((c) => c.name)).toEqual(['id', 'predicted_label', 'n_votes']);
  });
  it('writes a CSV and a Parquet file that read back the same rows', async () => {
    const cols = resultColumns(arrays);
    expect(resultCsv(cols).split('\n')[1]).toBe('10,0,0.9,0.1,0.9,2');
    const rows = await parquetReadObjects({ file: resultParquet(cols) });
    expect(rows[2]).toEqual({ id: 12n, predicted_label: 1, prob_class_0: 0.2, prob_class_1: 0.8, confidence: 0.8, n_votes: 1 });
  });
  it('writes the download\'s CSV from the Parquet, the same text as from the arrays', async () => {
    const cols = resultColumns(arrays);
    expect(await resultCsvFromParquet(resultParquet(cols))).toBe(resultCsv(cols));
  });
  it('carries the training\'s metadata in the Parquet footer, where the server reads it', () => {
    const file = resultParquet(resultColumns(arrays), { 'reef.browser_training': '{"seed":7}' });
    expect(parquetMetadata(file).key_value_metadata).toEqual([{ key: 'reef.browser_training', value: '{"seed":7}' }]);
  });
});
