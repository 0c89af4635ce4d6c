import { describe, expect, it } from 'vitest';
import { columnValues } from '../../../shared/lf/column-batch.ts';
import { compileLf } from '../../../shared/lf/compile.ts';
import { assetFromValues, toSampleTable } from './asset-table.ts';
import { movableRowRange, rowRange } from './row-range.ts';

describe('rowRange', () => {
  const asset = assetFromValues('a', 'id', { id: [1, 2, 3, 4, 5], text: ['free money', null, 'hello\nfree', 'nice', 'FREE'], x: [1, null, 3, 4, 5] });
  const table = toSampleTable('id', 5, asset.columns);

  it('cuts rows out of every column, nulls and text included', () => {
    const tail = rowRange(table.batch, 2, 5);
    expect(tail.length).toBe(3);
    expect(columnValues(tail.columns.text!)).toEqual(['hello\nfree', 'nice', 'FREE']);
    expect(columnValues(tail.columns.x!)).toEqual([3, 4, 5]);
    expect(columnValues(rowRange(table.batch, 0, 2).columns.text!)).toEqual(['free money', null]);
  });

  it('gives the same votes, half and half, as one scan of every row', () => {
    for (const pattern of ['free', '^free', 'e$', '.']) {
      const lf = compileLf({ type: 'regex', name: 'r', label: 1, field: 'text', pattern, case_insensitive: true }, table.schema, 2);
      const whole = Array.from(lf.evaluate!(table.batch));
      const halves = [...lf.evaluate!(rowRange(table.batch, 0, 2)), ...lf.evaluate!(rowRange(table.batch, 2, 5))];
      expect(halves).toEqual(whole);
    }
  });

  it('gives the same votes, half and half, for text templates and SQL over text (they are split too)', () => {
    const defs = [
      ...(['contains', 'startswith', 'endswith'] as const).map((operator) => ({ type: 'template' as const, name: operator, label: 1, field: 'text', operator, value: 'free' })),
      { type: 'template' as const, name: 'in', label: 0, field: 'text', operator: 'in' as const, value: ['nice', 'FREE'] },
      { type: 'template' as const, name: 'eq', label: 0, field: 'text', operator: '==' as const, value: 'free money' },
      { type: 'sql' as const, name: 'sql', label: 1, expression: "text LIKE '%e%' AND x > 2" },
    ];
    for (const def of defs) {
      const lf = compileLf(def, table.schema, 2);
      const whole = Array.from(lf.evaluate!(table.batch));
      expect(whole.some((v) => v !== -1), def.name).toBe(true);
      for (const at of [1, 2, 3]) {
        const halves = [...lf.evaluate!(rowRange(table.batch, 0, at)), ...lf.evaluate!(rowRange(table.batch, at, 5))];
        expect(halves, `${def.name} split at ${at}`).toEqual(whole);
      }
    }
  });
});

describe('movableRowRange', () => {
  it('gives the rows of rowRange in buffers of their own, one per array, none shared with the batch', () => {
    const asset = assetFromValues('a', 'id', { id: [1, 2, 3, 4], text: ['a', null, 'c', 'd'], x: [1, null, 3, 4] });
    const { batch } = toSampleTable('id', 4, asset.columns);
    const { batch: tail, buffers } = movableRowRange(batch, 1, 4);
    for (const name of ['id', 'text', 'x']) expect(columnValues(tail.columns[name]!)).toEqual(columnValues(rowRange(batch, 1, 4).columns[name]!));
    const original = new Set(Object.values(batch.columns).flatMap((c) => [c.nulls?.buffer, 'values' in c ? c.values.buffer : c.offsets.buffer]));
    expect(buffers.some((b) => original.has(b))).toBe(false);
    // Every array of the range is in the list (so nothing is cloned whole): id values, text offsets and nulls, x values and nulls.
    expect(new Set(buffers).size).toBe(5);
    expect(structuredClone(tail, { transfer: buffers }).columns.x!.nulls).toEqual(new Uint8Array([1, 0, 0]));
  });

  it('moves rows from row 0 without taking the text offsets from the batch (rowRange views them there)', () => {
    const asset = assetFromValues('a', 'id', { id: [1, 2, 3, 4], text: ['a', null, 'c', 'd'] });
    const { batch } = toSampleTable('id', 4, asset.columns);
    const { batch: head, buffers } = movableRowRange(batch, 0, 2);
    structuredClone(head, { transfer: buffers });
    expect(columnValues(batch.columns.text!)).toEqual(['a', null, 'c', 'd']);
  });
});
