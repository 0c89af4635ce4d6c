import { describe, expect, it } from 'vitest';
import { buildColumn, textRows, type StringColumn } from './column-batch.ts';
import { caseMappedColumn, lowerLikeDuckdb, upperLikeDuckdb } from './text-case.ts';

const column = (rows: (string | null)[]) => buildColumn('string', rows) as StringColumn;

describe('caseMappedColumn', () => {
  const rows = ['\uFEFFBOM first', 'ÉCOLE Straße', null, 'İstanbul ΟΔΟΣ', '', 'line\nTwo', 'ǅ ǈ ẞ ﬀ ŉ', 'a\u0000B'];
  for (const [mapping, one] of [['lower', lowerLikeDuckdb], ['upper', upperLikeDuckdb]] as const) {
    it(`maps every row as ${mapping}LikeDuckdb does, keeps nulls, offsets and a leading BOM`, () => {
      const source = column(rows);
      const mapped = caseMappedColumn(source, mapping);
      expect(textRows(mapped)).toEqual(rows.map((r) => (r === null ? null : one(r))));
      expect(mapped.offsets).toBe(source.offsets);
      expect(caseMappedColumn(source, mapping)).toBe(mapped); // kept for the next run
    });

    it(`maps row by row when the text has astral characters (${mapping})`, () => {
      const astral = ['𐐀 Deseret 🦆', null, 'Plain', '\uD800 lone'];
      expect(textRows(caseMappedColumn(column(astral), mapping))).toEqual(astral.map((r) => (r === null ? null : one(r))));
    });
  }
});
