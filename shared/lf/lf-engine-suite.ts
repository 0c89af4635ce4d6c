// One behaviour suite for every LF engine (STYLE.md "One behaviour suite, many backends"): each case states
// the rows an LF must fire on, and every engine must give exactly those votes. Engines: the JS evaluator over
// a ColumnBatch (browser worker and server JS path) and DuckDB running compileLf's SQL (Node and WASM).
import { describe, expect, it } from 'vitest';
import { compileLf } from './compile.ts';
import type { CellValue } from './column-batch.ts';
import { parseTimestampMicros } from './sql-literals.ts';
import type { AssetSchema, CompiledLf, LfDefinition, TemplateValue, VoteColumn } from './types.ts';
import type { TemplateOperator } from '../schema/labeling-function.ts';

export interface LfEngine {
  /** Whether the engine can run this LF at all (DuckDB cannot run regex or custom LFs). */
  runs(lf: CompiledLf): boolean;
  votes(lfs: CompiledLf[]): Promise<VoteColumn[]>;
  close?(): Promise<void> | void;
}

export type MakeLfEngine = (schema: AssetSchema, rows: Record<string, CellValue>[]) => Promise<LfEngine>;

const HOSTILE_COLUMN = 'we"ird --; DROP TABLE t; \'x';

export const SUITE_SCHEMA: AssetSchema = {
  columns: [
    { name: 's', type: 'string' },
    { name: 'x', type: 'float' },
    { name: 'i', type: 'integer' },
    { name: 'k', type: 'integer' },
    { name: 'b', type: 'boolean' },
    { name: 't', type: 'timestamp' },
    { name: HOSTILE_COLUMN, type: 'string' },
  ],
};

const micros = (text: string | null) => (text === null ? null : parseTimestampMicros(text)!);

/** Rows chosen for their edges: NULLs, '' , -0, NaN, ±2^63, 2^53+1, astral and special-case letters, NUL, '\n'. */
export const SUITE_ROWS: Record<string, CellValue>[] = [
  ['hello world', 1.5, 1n, 1, true, '2024-01-01 00:00:00'],
  ['Hello', 0, 0n, 0, false, '2024-06-30 23:59:59.999999'],
  ['', -0, -1n, -1, null, null],
  [null, null, null, null, true, '1999-12-31 12:00:00'],
  ['ÉCOLE straße İstanbul', NaN, 9007199254740993n, 2, false, '2024-01-01 00:00:00.000001'],
  ['🦆 duck', 1e300, -9223372036854775808n, 3, true, '2030-01-01 00:00:00'],
  ["it's --; DROP TABLE t", -2.5, 9223372036854775807n, 4, false, '2024-01-01 00:00:00'],
  ['line1\nline2', 2.5, 2n, 5, null, '2000-02-29 00:00:00'],
  ['\uFFFF', -1e-300, 3n, 6, true, '1970-01-01 00:00:00'],
  ['a\u0000b', 3, 42n, 7, false, '1969-12-31 23:59:59.5'],
].map(([s, x, i, k, b, t], row) => ({ s, x, i, k, b, t: micros(t as string | null), [HOSTILE_COLUMN]: row === 3 ? null : 'v' } as Record<string, CellValue>));

const ALL = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
const NOT_NULL_S = ALL.filter((r) => r !== 3);

interface Case {
  title: string;
  lf: LfDefinition;
  fires: number[];
}

const template = (field: string, operator: TemplateOperator, value: TemplateValue | undefined, fires: number[]): Case => ({
  title: `template ${field} ${operator} ${JSON.stringify(value)}`,
  lf: { type: 'template', name: 'case', label: 1, field, operator, value },
  fires,
});
const regex = (pattern: string, fires: number[], caseInsensitive = false): Case => ({
  title: `regex /${pattern}/${caseInsensitive ? 'i' : ''}`,
  lf: { type: 'regex', name: 'case', label: 1, field: 's', pattern, case_insensitive: caseInsensitive },
  fires,
});
const sql = (expression: string, fires: number[]): Case => ({
  title: `sql ${expression}`,
  lf: { type: 'sql', name: 'case', label: 1, expression },
  fires,
});

export const SUITE_CASES: Case[] = [
  // floats: DuckDB orders NaN above every number and equal to itself; -0 equals 0
  template('x', '>', 0, [0, 4, 5, 7, 9]),
  template('x', '>=', 0, [0, 1, 2, 4, 5, 7, 9]),
  template('x', '<', 0, [6, 8]),
  template('x', '==', 0, [1, 2]),
  template('x', '!=', 0, [0, 4, 5, 6, 7, 8, 9]),
  template('x', '<=', -2.5, [6]),
  template('x', 'in', [0, 2.5], [1, 2, 7]),
  // BIGINT: exact past 2^53 and at ±2^63; fractional thresholds on integer columns
  template('i', '>', '9007199254740992', [4, 6]),
  template('i', '==', '9223372036854775807', [6]),
  template('i', '<', '-9223372036854775807', [5]),
  template('i', '>', 2.5, [4, 6, 8, 9]),
  template('i', '==', 2.5, []),
  template('i', '!=', 2.5, [0, 1, 2, 4, 5, 6, 7, 8, 9]),
  template('i', 'in', ['9223372036854775807', -1], [2, 6]),
  template('i', '>', '100000000000000000000000', []),
  template('k', 'in', [1, 3, 2.5, 7], [0, 5, 9]),
  template('k', 'not_in', [0, 1], [2, 4, 5, 6, 7, 8, 9]),
  template('k', 'not_in', [], [0, 1, 2, 4, 5, 6, 7, 8, 9]),
  template('k', 'in', [], []),
  template('k', '>=', 4, [6, 7, 8, 9]),
  // text: case-sensitive, code point order, empty strings, quotes, NUL, newlines
  template('s', '==', '', [2]),
  template('s', '!=', 'Hello', [0, 2, 4, 5, 6, 7, 8, 9]),
  template('s', 'contains', 'o', [0, 1]),
  template('s', 'contains', 'O', [4, 6]),
  template('s', 'contains', '', NOT_NULL_S),
  template('s', 'contains', "'", [6]),
  template('s', 'contains', '1\nl', [7]),
  template('s', 'startswith', 'hello', [0]),
  template('s', 'endswith', 'duck', [5]),
  template('s', '==', 'a\u0000b', [9]),
  template('s', '==', "it's --; DROP TABLE t", [6]),
  template('s', '==', "x' OR '1'='1", []),
  template('s', '>', 'hello', [0, 4, 5, 6, 7, 8]),
  template('s', '>', '\uFFFF', [5]),
  template('s', 'in', ['Hello', 'hello'], [1]),
  template('s', 'is_null', undefined, [3]),
  template('s', 'not_null', undefined, NOT_NULL_S),
  template(HOSTILE_COLUMN, '==', 'v', NOT_NULL_S),
  // booleans
  template('b', '==', true, [0, 3, 5, 8]),
  template('b', '!=', true, [1, 4, 6, 9]),
  template('b', 'in', [false], [1, 4, 6, 9]),
  template('b', 'is_null', null, [2, 7]),
  // timestamps (microseconds, before and after 1970)
  template('t', '>', '2024-01-01 00:00:00', [1, 4, 5]),
  template('t', '==', '2024-01-01T00:00:00Z', [0, 6]),
  template('t', '<', '1970-01-01', [9]),
  template('t', '<=', '2000-02-29 00:00:00', [3, 7, 8, 9]),
  template('t', 'in', ['2030-01-01', '1970-01-01 00:00:00'], [5, 8]),
  // regex (ECMAScript, JS engines only)
  regex('world', [0]),
  regex('^hello', [0, 1], true),
  regex('école', [4], true),
  regex('STRASSE', [], true),
  regex('^$', [2]),
  regex('line2$', [7]),
  regex('line1$', []),
  regex('\\p{Emoji_Presentation}', [5]),
  regex('.', [0, 1, 4, 5, 6, 7, 8, 9]),
  regex('x*', NOT_NULL_S),
  regex('\\bduck\\b', [5]),
  regex('a\\x00b', [9]),
  regex('^.\\s', [5]),
  regex('[^a-z]', [0, 1, 4, 5, 6, 7, 8, 9]),
  // SQL expressions: three-valued logic, DuckDB's NaN, division by zero, per-code-point case mapping
  sql('x > 1 AND k < 6', [0, 4, 5, 7]),
  sql('x > 1 OR s IS NULL', [0, 3, 4, 5, 7, 9]),
  sql('NOT (b)', [1, 4, 6, 9]),
  sql('b IS NOT TRUE', [1, 2, 4, 6, 7, 9]),
  sql('k IN (1, 2, NULL)', [0, 4]),
  sql('k NOT IN (1, NULL)', []),
  sql('k BETWEEN 2 AND 4', [4, 5, 6]),
  sql('k NOT BETWEEN 2 AND 4', [0, 1, 2, 7, 8, 9]),
  sql("lower(s) LIKE 'hello%'", [0, 1]),
  sql("upper(s) = 'ÉCOLE STRAẞE İSTANBUL'", [4]),
  sql("lower(s) = 'école straße istanbul'", [4]),
  sql('length(s) = 6', [5]),
  sql("s || '!' = 'Hello!'", [1]),
  sql("s LIKE '_ duck'", [5]),
  sql("s LIKE '%o w%'", [0]),
  sql("s LIKE 'Hello'", [1]),
  sql("s LIKE '%'", NOT_NULL_S),
  sql("s NOT LIKE '%e%'", [2, 5, 6, 8, 9]),
  sql("s LIKE '%2'", [7]),
  sql("s LIKE 'a_b'", [9]),
  sql("coalesce(s, 'missing') = 'missing'", [3]),
  sql('abs(x) >= 2.5', [4, 5, 6, 7, 9]),
  sql('k / 2 = 1.5', [5]),
  sql('k % 3 = 1', [0, 6, 9]),
  sql('i > 9007199254740992', [4, 6]),
  sql("t >= '2024-01-01'", [0, 1, 4, 5, 6]),
  sql("t IN ('2030-01-01', '1970-01-01 00:00:00', NULL)", [5, 8]),
  sql("t BETWEEN '1999-12-31 12:00:00' AND '2000-02-29'", [3, 7]),
  sql('CASE WHEN k > 5 THEN true WHEN k > 3 THEN false ELSE b END', [0, 3, 5, 8, 9]),
  sql('x = x', [0, 1, 2, 4, 5, 6, 7, 8, 9]),
  sql('k / 0 IS NULL', ALL),
  sql("s = 'it''s --; DROP TABLE t'", [6]),
  sql("contains(s, 'duck')", [5]),
  sql("starts_with(s, 'H')", [1]),
  sql("S = 'Hello'", [1]),
  sql("\"s\" <> 'Hello' AND -k < -5", [8, 9]),
  sql('0.1 + 0.2 = 0.3', []),
  // Column-at-a-time forms (sql-expression.ts): comparisons with a constant, AND/OR/NOT, IS, LIKE over lower()/upper().
  sql('x > 2 OR b', [0, 3, 4, 5, 7, 8, 9]),
  sql('NOT (x < 1) AND k <> 5', [0, 4, 5, 9]),
  sql('x >= 0', [0, 1, 2, 4, 5, 7, 9]),
  sql('1 < k', [4, 5, 6, 7, 8, 9]),
  sql('k <> -1 AND x > -3', [0, 1, 4, 5, 6, 7, 8, 9]),
  sql("t < '2000-01-01'", [3, 8, 9]),
  sql('b = false', [1, 4, 6, 9]),
  sql('true = b', [0, 3, 5, 8]),
  sql('b IS NULL', [2, 7]),
  sql('x IS NOT NULL AND NOT b', [1, 4, 6, 9]),
  sql("s NOT LIKE 'Hello'", [0, 2, 4, 5, 6, 7, 8, 9]),
  sql("lower(s) LIKE '%straße%'", [4]),
  sql("upper(s) LIKE 'ÉCOLE%'", [4]),
  sql("lower(s) LIKE '🦆%'", [5]),
  sql("contains(lower(s), 'duck')", [5]),
  sql("ends_with(s, 'world')", [0]),
];

function firing(votes: VoteColumn, label: number): number[] {
  return Array.from(votes).flatMap((v, row) => (v === label ? [row] : []));
}

export function lfEngineSuite(name: string, makeEngine: MakeLfEngine): void {
  describe(`LF engine behaviour: ${name}`, () => {
    const compiled = SUITE_CASES.map((c) => compileLf(c.lf, SUITE_SCHEMA, 2));
    let engine: LfEngine;
    let votes: Map<number, VoteColumn>;

    it('builds the engine and runs every LF it supports in one batch', async () => {
      engine = await makeEngine(SUITE_SCHEMA, SUITE_ROWS);
      const indexes = compiled.flatMap((lf, i) => (engine.runs(lf) ? [i] : []));
      const columns = await engine.votes(indexes.map((i) => compiled[i]));
      votes = new Map(indexes.map((i, j) => [i, columns[j]]));
      expect(indexes.length).toBeGreaterThan(0);
      await engine.close?.();
    });

    SUITE_CASES.forEach((c, index) => {
      it(c.title, () => {
        const v = votes.get(index);
        if (!v) return; // this engine does not run this kind of LF (asserted per engine in its test file)
        expect(v).toHaveLength(SUITE_ROWS.length);
        expect(Array.from(v).every((x) => x === -1 || x === 1)).toBe(true);
        expect(firing(v, 1)).toEqual(c.fires);
      });
    });
  });
}
