import { Float64, Int32, Int64, Table, Utf8, tableFromIPC, tableToIPC, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { columnValues, type StringColumn } from '../../../shared/lf/column-batch.ts';
import { columnsFromArrow } from './arrow-columns.ts';

describe('columnsFromArrow', () => {
  it('reads text, integers, floats and booleans with their LF types', () => {
    const table = tableFromIPC(tableToIPC(new Table({
      id: vectorFromArray([1n, 2n, 9007199254740993n], new Int64()),
      text: vectorFromArray(['buy now', 'nice song', 'ok'], new Utf8()),
      score: vectorFromArray([0.5, 1, 2.25], new Float64()),
      likes: vectorFromArray([3, 4, 5], new Int32()),
    })));
    const { n, columns } = columnsFromArrow([table]);
    expect(n).toBe(3);
    expect(Object.fromEntries(Object.entries(columns).map(([name, c]) => [name, c.type]))).toEqual({ id: 'integer', text: 'string', score: 'float', likes: 'integer' });
    expect(columnValues(columns.id!)).toEqual([1n, 2n, 9007199254740993n]);
    expect(columnValues(columns.text!)).toEqual(['buy now', 'nice song', 'ok']);
    expect(columnValues(columns.score!)).toEqual([0.5, 1, 2.25]);
  });
  it('joins text with non-ASCII characters and nulls across record batches and parts from the UTF-8 bytes', () => {
    const part = (rows: (string | null)[]) => tableFromIPC(tableToIPC(new Table({ text: vectorFromArray(rows, new Utf8()) })));
    const text = columnsFromArrow([part(['café', null]), part(['naïve 🦆', 'ok'])]).columns.text as StringColumn;
    expect(text.text).toBe('café\n\nnaïve 🦆\nok');
    expect(Array.from(text.offsets)).toEqual([0, 5, 6, 15, 18]);
    expect(columnValues(text)).toEqual(['café', null, 'naïve 🦆', 'ok']);
  });
});
