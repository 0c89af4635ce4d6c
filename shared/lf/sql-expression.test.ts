import { describe, expect, it } from 'vitest';
import { buildColumn, type CellValue, type ColumnBatch } from './column-batch.ts';
import { compileSqlCondition } from './sql-expression.ts';
import type { AssetSchema } from './types.ts';

// The column-at-a-time forms of SQL LFs against the per-row getters (the engine suite holds those to DuckDB), on
// rows with every edge at once: NULLs, NaN, ±0, ±Infinity, BIGINTs past 2^53, special-case letters, astral
// characters, '\n' inside rows, empty text.
const schema: AssetSchema = {
  columns: [
    { name: 'text', type: 'string' }, { name: 'x', type: 'float' }, { name: 'n', type: 'integer' },
    { name: 'big', type: 'integer' }, { name: 'flag', type: 'boolean' }, { name: 't', type: 'timestamp' },
  ],
};
const words = ['Subscribe', 'SUBSCRIBE now', 'subscribe', 'check it', 'ÉCOLE straße', 'İstanbul', 'ΟΔΟΣ', 'ß', 'free!!', '', 'a\nb', 'x%y', 'CLICK\nhere'];
const astral = ['🦆 Duck', '𐐀 deseret'];
const floats = [0, -0, 1.5, -2.5, NaN, Infinity, -Infinity, 3, 80, 120];

function rng(seed: number) {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
}

function batchOf(rows: number, seed: number, withAstral: boolean): ColumnBatch {
  const next = rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]!;
  const maybeNull = <T>(v: T): T | null => (next() < 0.1 ? null : v);
  const texts = withAstral ? [...words, ...astral] : words;
  const values: Record<string, CellValue[]> = { text: [], x: [], n: [], big: [], flag: [], t: [] };
  for (let i = 0; i < rows; i++) {
    values.text!.push(maybeNull(`${pick(texts)}${next() < 0.5 ? ` ${pick(texts)}` : ''}`));
    values.x!.push(maybeNull(pick(floats)));
    values.n!.push(maybeNull(Math.floor(next() * 20) - 5));
    values.big!.push(maybeNull(next() < 0.5 ? 2n ** 60n : BigInt(Math.floor(next() * 10))));
    values.flag!.push(maybeNull(next() < 0.5));
    values.t!.push(maybeNull(Math.floor(next() * 4) * 86_400_000_000));
  }
  const columns = Object.fromEntries(schema.columns.map((c) => [c.name, buildColumn(c.type, values[c.name]!, c.name)]));
  return { length: rows, columns };
}

const expressions = [
  "lower(text) LIKE '%subscribe%'", "lower(text) NOT LIKE 'subscribe%'", "upper(text) LIKE '%STRASSE%'", "upper(text) LIKE '%STRAẞE'",
  "text LIKE '%!!%'", "text LIKE 'check%'", "text LIKE '%here'", "text LIKE 'ß'", "text LIKE ''", "text LIKE '%'", "text LIKE '%%'",
  "text LIKE '%\n%'", "lower(text) LIKE '%σ%'", "lower(text) = 'ß'", "contains(lower(text), 'duck')", "starts_with(text, 'İ')",
  "ends_with(upper(text), 'NOW')", "contains(text, '')",
  'x > 1', 'x >= 0', 'x <> -1', '-1.5 < x', 'n > -(-2)', 'big > -5', 'x = -0', 'x < 0', 'x = 0', 'x <> 3', '1.5 <= x', 'x BETWEEN -3 AND 100', 'x NOT BETWEEN 0 AND 80',
  'n > 3 AND flag', 'NOT flag OR n < 0', 'flag IS NULL', 'flag IS NOT TRUE', 'flag IS FALSE', 'x IS NULL OR text IS NOT NULL',
  'flag = true', 'false <> flag', "t > '1970-01-02'", "t BETWEEN '1970-01-01' AND '1970-01-03'", 'big > 5', 'big = 1152921504606846976',
  "(x > 1 AND n <> -3) AND n <> -4", "NOT (x < 1) AND (flag OR lower(text) LIKE '%free%')", 'CASE WHEN n > 3 THEN flag ELSE x > 0 END',
  "x + 1 > 2 OR text LIKE 'a%'", 'n IN (1, 2, NULL) OR flag', 'coalesce(flag, x > 0) AND NOT (n BETWEEN 2 AND 6)',
];

describe('SQL LFs column at a time', () => {
  for (const withAstral of [false, true]) {
    it(`give the per-row evaluator's votes${withAstral ? ' (astral text: lower()/upper() map row by row)' : ''}`, () => {
      const batch = batchOf(3000, withAstral ? 7 : 3, withAstral);
      for (const expression of expressions) {
        const columnar = compileSqlCondition('lf', expression, schema).mask(batch);
        const rowByRow = compileSqlCondition('lf', expression, schema, { rowByRow: true }).mask(batch);
        expect({ expression, fires: Array.from(columnar) }).toEqual({ expression, fires: Array.from(rowByRow) });
        // The mapped text is kept per column: a second run reads it and answers the same.
        expect(Array.from(compileSqlCondition('lf', expression, schema).mask(batch))).toEqual(Array.from(rowByRow));
      }
    });
  }
});
