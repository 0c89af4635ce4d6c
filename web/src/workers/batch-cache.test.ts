import { describe, expect, it } from 'vitest';
import { columnValues } from '../../../shared/lf/column-batch.ts';
import { assetFromValues } from './asset-table.ts';
import { batchFromBuffer, batchToBuffer } from './batch-cache.ts';

describe('batch cache buffers', () => {
  it('give back every column with its type, values, nulls and text offsets', () => {
    const asset = assetFromValues('comments', 'id', {
      id: [1, 2, 3],
      big: [1n, 2n ** 60n, null],
      text: ['café 🦆', null, 'line\nbreak'],
      score: [0.5, null, -2],
      flag: [true, false, null],
      at: [new Date('2024-01-02T03:04:05Z'), null, new Date(0)],
    });
    const back = batchFromBuffer(batchToBuffer(asset), 'comments', 'id');
    expect(back.n).toBe(3);
    for (const [name, column] of Object.entries(asset.columns)) {
      expect(back.columns[name]!.type).toBe(column.type);
      expect(columnValues(back.columns[name]!)).toEqual(columnValues(column));
    }
    expect(back.columns.text).toMatchObject({ hasNewline: true, text: 'café 🦆\n\nline\nbreak' });
  });
});
