import { describe, expect, it } from 'vitest';
import { buildColumn, columnBatchFromRows, rowText, stringColumnFromUtf8, textRows, type BatchColumn, type StringColumn, type Utf8Chunk } from './column-batch.ts';

type NumericColumn = Exclude<BatchColumn, StringColumn>;

describe('ColumnBatch', () => {
  it('joins text with \\n and keeps row offsets; null rows are empty and masked', () => {
    const c = buildColumn('string', ['ab', null, '', 'x\ny']) as StringColumn;
    expect(c.text).toBe('ab\n\n\nx\ny');
    expect(Array.from(c.offsets)).toEqual([0, 3, 4, 5, 9]);
    expect(Array.from(c.nulls!)).toEqual([0, 1, 0, 0]);
    expect(c.hasNewline).toBe(true);
    const rows = Array.from({ length: 4 }, (_, i) => c.text.slice(c.offsets[i], c.offsets[i + 1] - 1));
    expect(rows).toEqual(['ab', '', '', 'x\ny']);
  });

  it('keeps integers as Float64 when all are safe, and as BigInt64 (exact) when one is not', () => {
    expect((buildColumn('integer', [1, -2, null]) as NumericColumn).values).toBeInstanceOf(Float64Array);
    const big = buildColumn('integer', [1n, 2n ** 63n - 1n, null]) as NumericColumn;
    expect(big.values).toBeInstanceOf(BigInt64Array);
    expect(big.values[1]).toBe(2n ** 63n - 1n);
    expect(big.nulls).toEqual(Uint8Array.from([0, 0, 1]));
  });

  it('stores timestamps as microseconds and has no null mask when nothing is null', () => {
    const batch = columnBatchFromRows({ columns: [{ name: 't', type: 'timestamp' }, { name: 'b', type: 'boolean' }] }, [
      { t: new Date('2024-01-01T00:00:00.001Z'), b: true },
      { t: 1_700_000_000_000_001, b: false },
    ]);
    expect(Array.from((batch.columns.t as NumericColumn).values as Float64Array)).toEqual([1704067200001000, 1_700_000_000_000_001]);
    expect(batch.columns.b.nulls).toBeNull();
  });

  it('refuses a value of the wrong type, naming the column and row', () => {
    expect(() => buildColumn('string', ['a', 3], 'text')).toThrow(/Column "text" row 1: expected text, got number/);
    expect(() => buildColumn('integer', [1, 1.5, 2n ** 60n], 'n')).toThrow(/Column "n" row 1: expected an integer/);
  });

  it('builds from UTF-8 bytes and offsets (Arrow\'s layout) exactly what buildColumn builds from row strings', () => {
    const rows = ['ab', null, '', 'x\ny', 'école', 'duck 🦆 here', 'last'];
    const chunk = (part: (string | null)[]): Utf8Chunk => {
      const encoded = part.map((r) => new TextEncoder().encode(r ?? 'ignored'));
      const offsets = [0];
      for (const e of encoded) offsets.push(offsets[offsets.length - 1]! + e.length);
      const bytes = new Uint8Array(offsets[offsets.length - 1]!);
      encoded.forEach((e, i) => { bytes.set(e, offsets[i]!); });
      return { length: part.length, bytes, offsets, nulls: part.some((r) => r === null) ? Uint8Array.from(part, (r) => (r === null ? 1 : 0)) : null };
    };
    const fromBytes = stringColumnFromUtf8([chunk(rows.slice(0, 3)), chunk(rows.slice(3))]);
    const fromRows = buildColumn('string', rows) as StringColumn;
    expect(fromBytes.text).toBe(fromRows.text);
    expect(Array.from(fromBytes.offsets)).toEqual(Array.from(fromRows.offsets));
    expect(Array.from(fromBytes.nulls!)).toEqual(Array.from(fromRows.nulls!));
    expect(fromBytes.hasNewline).toBe(true);
    expect(textRows(fromBytes)).toEqual(rows);
    expect(rowText(fromBytes, 5)).toBe('duck 🦆 here');

    const ascii = stringColumnFromUtf8([chunk(['a', 'bc'])]);
    expect([ascii.text, Array.from(ascii.offsets), ascii.nulls, ascii.hasNewline]).toEqual(['a\nbc', [0, 2, 5], null, false]);
    expect(() => stringColumnFromUtf8([{ length: 1, bytes: Uint8Array.from([0xff]), offsets: [0, 1], nulls: null }], 'bad')).toThrow(/not valid UTF-8/);
  });
});
