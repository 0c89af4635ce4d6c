import { Bool, DateDay, DateMillisecond, Float64, Int32, Int64, Table, TimestampMicrosecond, TimestampMillisecond, Utf8, tableFromIPC, tableToIPC, vectorFromArray } from 'apache-arrow';
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
  it('copies numbers, booleans and timestamps (as microseconds) from Arrow buffers, nulls masked and zeroed', () => {
    const part = (rows: Record<string, unknown[]>) => tableFromIPC(tableToIPC(new Table({
      big: vectorFromArray(rows.big!, new Int64()),
      flag: vectorFromArray(rows.flag!, new Bool()),
      at: vectorFromArray(rows.at!, new TimestampMicrosecond()),
      atMs: vectorFromArray(rows.atMs!, new TimestampMillisecond()),
      day: vectorFromArray(rows.day!, new DateDay()),
      dayMs: vectorFromArray(rows.dayMs!, new DateMillisecond()),
      x: vectorFromArray(rows.x!, new Float64()),
    })));
    const d = new Date('2024-03-05T06:07:08.009Z');
    const { columns } = columnsFromArrow([
      part({ big: [-5n, null], flag: [true, null], at: [d, null], atMs: [d, null], day: [new Date('2024-03-05'), null], dayMs: [d, null], x: [-0.5, null] }),
      part({ big: [2n ** 52n, 7n], flag: [false, true], at: [d, d], atMs: [d, d], day: [d, d], dayMs: [d, d], x: [1e300, 2] }),
    ]);
    expect(columnValues(columns.big!)).toEqual([-5, null, 2 ** 52, 7]);
    expect(columns.big!.nulls).toEqual(Uint8Array.from([0, 1, 0, 0]));
    expect(columnValues(columns.flag!)).toEqual([true, null, false, true]);
    const micros = d.getTime() * 1000;
    expect(columnValues(columns.at!)).toEqual([micros, null, micros, micros]);
    expect(columnValues(columns.atMs!)).toEqual([micros, null, micros, micros]);
    expect(columnValues(columns.dayMs!)).toEqual([micros, null, micros, micros]);
    expect(columnValues(columns.day!)).toEqual([Date.UTC(2024, 2, 5) * 1000, null, Date.UTC(2024, 2, 5) * 1000, Date.UTC(2024, 2, 5) * 1000]);
    expect(columnValues(columns.x!)).toEqual([-0.5, null, 1e300, 2]);
    expect(Array.from((columns.x as { values: Float64Array }).values)).toEqual([-0.5, 0, 1e300, 2]);
  });
  it('keeps 64-bit integers past 2^53 exact', () => {
    const { columns } = columnsFromArrow([new Table({ id: vectorFromArray([1n, 2n ** 60n], new Int64()) })]);
    expect(columnValues(columns.id!)).toEqual([1n, 2n ** 60n]);
  });
});
