import { Float64, Int32, Int64, Table, Utf8, tableFromIPC, tableToIPC, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { columnsFromArrow } from './arrow-columns.ts';

describe('columnsFromArrow', () => {
  it('reads text, integers, floats and booleans with their LF types', () => {
    const table = tableFromIPC(tableToIPC(new Table({
      id: vectorFromArray([1n, 2n, 9007199254740993n], new Int64()),
      text: vectorFromArray(['buy now', 'nice song', 'ok'], new Utf8()),
      score: vectorFromArray([0.5, 1, 2.25], new Float64()),
      likes: vectorFromArray([3, 4, 5], new Int32()),
    })));
    const { n, columns, types } = columnsFromArrow(table);
    expect(n).toBe(3);
    expect(types).toEqual({ id: 'integer', text: 'string', score: 'float', likes: 'integer' });
    expect(columns.id).toEqual([1, 2, 9007199254740993n]);
    expect(columns.text).toEqual(['buy now', 'nice song', 'ok']);
    expect(columns.score).toEqual([0.5, 1, 2.25]);
  });
  it('decodes text with non-ASCII characters and nulls row by row', () => {
    const table = new Table({ text: vectorFromArray(['café', null, 'naïve'], new Utf8()) });
    expect(columnsFromArrow(table).columns.text).toEqual(['café', null, 'naïve']);
  });
});
