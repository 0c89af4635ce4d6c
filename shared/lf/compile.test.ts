import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { columnBatchFromRows } from './column-batch.ts';
import { compileLf } from './compile.ts';
import { quoteIdent } from './sql-literals.ts';
import type { AssetSchema, LfDefinition } from './types.ts';

const schema: AssetSchema = {
  columns: [
    { name: 'text', type: 'string' },
    { name: 'score', type: 'float' },
    { name: 'flag', type: 'boolean' },
    { name: 'at', type: 'timestamp' },
  ],
};

function compileError(def: LfDefinition, k = 2) {
  try {
    compileLf(def, schema, k);
  } catch (e) {
    return e as { code: string; message: string };
  }
  throw new Error('expected compileLf to refuse the LF');
}

describe('compileLf refuses bad LFs with a code and a message naming the LF', () => {
  it.each<[string, LfDefinition, string, RegExp]>([
    ['unknown field', { type: 'template', name: 'has_score', label: 1, field: 'scor', operator: '>', value: 1 }, 'UNKNOWN_FIELD', /LF "has_score": unknown field "scor"; the asset has "text", "score"/],
    ['label past k-1', { type: 'template', name: 'big', label: 2, field: 'score', operator: '>', value: 1 }, 'LABEL_OUT_OF_RANGE', /LF "big": label 2 is not a class of this concept \(0\.\.1\)/],
    ['negative label', { type: 'regex', name: 'neg', label: -1, field: 'text', pattern: 'x' }, 'LABEL_OUT_OF_RANGE', /LF "neg"/],
    ['model LF over a missing column', { type: 'model', name: 'm', label: 1, model_id: 'x', columns: ['score', 'scor'], output_class: 0, threshold: 0.5 }, 'UNKNOWN_FIELD', /LF "m": unknown feature column "scor"/],
    ['model LF over text', { type: 'model', name: 'm', label: 1, model_id: 'x', columns: ['text'], output_class: 0, threshold: 0.5 }, 'TYPE_MISMATCH', /LF "m": feature column "text" is string/],
    ['number against text', { type: 'template', name: 'tm', label: 0, field: 'text', operator: '>', value: 3 }, 'TYPE_MISMATCH', /"text" is string; ">" needs a text value, got 3/],
    ['text against a float', { type: 'template', name: 'tm2', label: 0, field: 'score', operator: '==', value: '3' }, 'TYPE_MISMATCH', /needs a finite number/],
    ['ordering booleans', { type: 'template', name: 'tm3', label: 0, field: 'flag', operator: '>', value: true }, 'TYPE_MISMATCH', /">" does not apply to "flag", a boolean column/],
    ['contains on a number', { type: 'template', name: 'tm4', label: 0, field: 'score', operator: 'contains', value: '1' }, 'TYPE_MISMATCH', /"contains" does not apply/],
    ['a list item of the wrong type', { type: 'template', name: 'tm6', label: 0, field: 'score', operator: 'in', value: [1, 'two'] }, 'TYPE_MISMATCH', /"score" is float; "in \(list item\)" needs a finite number, got "two"/],
    ['in without a list', { type: 'template', name: 'tm5', label: 0, field: 'score', operator: 'in', value: 1 }, 'TYPE_MISMATCH', /needs a list/],
    ['bad timestamp', { type: 'template', name: 'ts', label: 0, field: 'at', operator: '>', value: '2024-13-01' }, 'TYPE_MISMATCH', /a timestamp like/],
    ['regex on a number', { type: 'regex', name: 'rx', label: 0, field: 'score', pattern: '1' }, 'TYPE_MISMATCH', /needs a text column/],
    ['pattern that does not compile', { type: 'regex', name: 'broken', label: 0, field: 'text', pattern: '(unclosed' }, 'BAD_PATTERN', /LF "broken": pattern "\(unclosed" does not compile/],
    ['catastrophic pattern', { type: 'regex', name: 'evil', label: 0, field: 'text', pattern: '^(a+)+$' }, 'UNSAFE_PATTERN', /"\(a\+\)\+" repeats "a\+"/],
    ['SQL that does not parse', { type: 'sql', name: 's1', label: 0, expression: 'score >' }, 'SQL_PARSE_ERROR', /LF "s1": the expression does not parse/],
    ['a second statement', { type: 'sql', name: 's2', label: 0, expression: 'score > 1; DROP TABLE t' }, 'SQL_NOT_ALLOWED', /one boolean expression/],
    ['a subquery', { type: 'sql', name: 's3', label: 0, expression: 'score IN (SELECT 1)' }, 'SQL_NOT_ALLOWED', /a subquery is not allowed/],
    ['EXISTS', { type: 'sql', name: 's4', label: 0, expression: 'EXISTS (SELECT 1)' }, 'SQL_NOT_ALLOWED', /not allowed/],
    ['a function off the allow-list', { type: 'sql', name: 's5', label: 0, expression: "read_csv('/etc/passwd') IS NULL" }, 'SQL_NOT_ALLOWED', /function "read_csv" is not allowed/],
    ['a clause after the expression', { type: 'sql', name: 's6', label: 0, expression: 'score > 1 ORDER BY score' }, 'SQL_NOT_ALLOWED', /not statements or clauses/],
    ['a union', { type: 'sql', name: 's7', label: 0, expression: 'score > 1 UNION SELECT * FROM secrets' }, 'SQL_NOT_ALLOWED', /not statements or clauses/],
    ['an unknown column', { type: 'sql', name: 's8', label: 0, expression: 'nope = 1' }, 'UNKNOWN_FIELD', /unknown column "nope"/],
    ['a table-qualified column', { type: 'sql', name: 's9', label: 0, expression: 'other.score = 1' }, 'SQL_NOT_ALLOWED', /without a table/],
    ['a non-boolean result', { type: 'sql', name: 's10', label: 0, expression: 'score + 1' }, 'TYPE_MISMATCH', /must be true\/false/],
    ['text compared with a number', { type: 'sql', name: 's11', label: 0, expression: "text > 3" }, 'TYPE_MISMATCH', /cannot compare a string with a integer/],
  ])('%s', (_title, def, code, message) => {
    const e = compileError(def);
    expect(e.code).toBe(code);
    expect(e.message).toMatch(message);
  });
});

interface ParseNode {
  class: string;
  type: string;
  function_name?: string;
  column_names?: string[];
  children?: ParseNode[];
  value?: { value: unknown };
  case_checks?: { when_expr?: ParseNode }[];
  left?: ParseNode;
  right?: ParseNode;
}

/** The string a literal subtree stands for: constants joined by || and chr(n). Anything else fails the test. */
function constantText(node: ParseNode): string {
  if (node.class === 'CONSTANT') return String(node.value!.value);
  if (node.function_name === '||') return node.children!.map(constantText).join('');
  if (node.function_name === 'chr') return String.fromCodePoint(Number(node.children![0].value!.value));
  throw new Error(`not a literal: ${node.class} ${node.type}`);
}

describe('hostile names and values cannot change a query\'s shape', () => {
  const hostile = [
    "'; DROP TABLE t; --",
    'x\' OR \'1\'=\'1',
    '"); DELETE FROM t; --',
    'a\u0000b',
    '\\\'; SELECT 1; --',
    'ünï©ødé 🦆 \u202e',
    '/* comment */ --',
    '\r\n;\t',
  ];
  const name = 'col"; DROP TABLE t; --\'';
  const hostileSchema: AssetSchema = { columns: [{ name, type: 'string' }] };

  it('parses (with DuckDB\'s own parser) as one CASE comparing the column with exactly the value', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    for (const value of hostile) {
      const lf = compileLf({ type: 'template', name: 'h', label: 1, field: name, operator: '==', value }, hostileSchema, 2);
      const reader = await connection.runAndReadAll('SELECT json_serialize_sql($1::VARCHAR) AS tree', [`SELECT ${lf.duckdbSql} FROM t`]);
      const tree = JSON.parse(String(reader.getColumnsJS()[0][0])) as { error?: boolean; statements: { node: { select_list: ParseNode[] } }[] };
      expect(tree.error).toBeFalsy();
      expect(tree.statements).toHaveLength(1);
      const [only] = tree.statements[0].node.select_list;
      expect(tree.statements[0].node.select_list).toHaveLength(1);
      expect(only.class).toBe('CASE');
      const when = only.case_checks![0].when_expr!;
      expect(only.case_checks).toHaveLength(1);
      expect(when.type).toBe('COMPARE_EQUAL');
      expect(when.left!.column_names).toEqual([name]);
      expect(constantText(when.right!)).toBe(value);
    }
    connection.closeSync();
    instance.closeSync();
  });

  it('in DuckDB, each value matches exactly its own row and nothing else', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    await connection.run(`CREATE TABLE t (row_no INTEGER, ${quoteIdent(name)} VARCHAR, plain VARCHAR)`);
    const appender = await connection.createAppender('t');
    hostile.forEach((v, i) => { appender.appendInteger(i); appender.appendVarchar(v); appender.appendVarchar(v); appender.endRow(); });
    appender.closeSync();
    const batch = columnBatchFromRows(hostileSchema, hostile.map((v) => ({ [name]: v })));
    for (const [i, value] of hostile.entries()) {
      const lf = compileLf({ type: 'template', name: 'h', label: 1, field: name, operator: '==', value }, hostileSchema, 2);
      const reader = await connection.runAndReadAll(`SELECT ${lf.duckdbSql} AS v FROM t ORDER BY row_no`);
      const expected = hostile.map((_, r) => (r === i ? 1 : -1));
      expect(reader.getColumnsJS()[0]).toEqual(expected);
      expect(Array.from(lf.evaluate!(batch))).toEqual(expected);
      // node-sql-parser cannot read a "" inside a quoted identifier, so the SQL LF reads a plainly named copy.
      const plainSchema: AssetSchema = { columns: [{ name: 'plain', type: 'string' }] };
      const expression = `plain = '${value.replaceAll("'", "''")}'`;
      if (value.includes("\\'")) {
        // The parser reads \' as an escaped quote, so this text is not the literal it looks like: refused, never misread.
        expect(() => compileLf({ type: 'sql', name: 'h', label: 1, expression }, plainSchema, 2)).toThrow(/not statements or clauses|does not parse/);
        continue;
      }
      const sqlLf = compileLf({ type: 'sql', name: 'h', label: 1, expression }, plainSchema, 2);
      const sqlReader = await connection.runAndReadAll(`SELECT ${sqlLf.duckdbSql} AS v FROM t ORDER BY row_no`);
      expect(sqlReader.getColumnsJS()[0]).toEqual(expected);
    }
    expect((await connection.runAndReadAll('SELECT count(*)::INTEGER AS n FROM t')).getColumnsJS()[0]).toEqual([hostile.length]);
    connection.closeSync();
    instance.closeSync();
  });

  it('refuses a NUL in a column name instead of escaping it', () => {
    const e = compileError({ type: 'template', name: 'nul', label: 1, field: 'a\u0000b', operator: '==', value: 'x' });
    expect(e.code).toBe('UNKNOWN_FIELD');
    expect(() => quoteIdent('a\u0000b')).toThrow(/cannot contain NUL/);
  });
});

describe('compileLf output', () => {
  it('votes with Int16Array when k > 127', () => {
    const lf = compileLf({ type: 'template', name: 'wide', label: 200, field: 'score', operator: '>', value: 0 }, schema, 300);
    const votes = lf.evaluate!(columnBatchFromRows(schema, [{ score: 1 }, { score: -1 }, { score: null }]));
    expect(votes).toBeInstanceOf(Int16Array);
    expect(Array.from(votes)).toEqual([200, -1, -1]);
  });

  it('reuses its buffers across runs: votes written into the previous column, stale votes cleared', () => {
    const lf = compileLf({ type: 'regex', name: 'r', label: 1, field: 'text', pattern: 'free' }, schema, 2);
    const first = lf.evaluate!(columnBatchFromRows(schema, [{ text: 'free' }, { text: 'free gift' }, { text: null }]));
    expect(Array.from(first)).toEqual([1, 1, -1]);
    const second = lf.evaluate!(columnBatchFromRows(schema, [{ text: 'no' }, { text: 'free' }, { text: 'x' }]), first);
    expect(second).toBe(first);
    expect(Array.from(second)).toEqual([-1, 1, -1]);
    const other = lf.evaluate!(columnBatchFromRows(schema, [{ text: 'free' }]), first);
    expect(other).not.toBe(first);
    expect(Array.from(other)).toEqual([1]);
  });

  it('lists the columns an LF reads', () => {
    expect(compileLf({ type: 'sql', name: 'f', label: 0, expression: 'score > 1 AND Text IS NULL' }, schema, 2).fields).toEqual(['score', 'text']);
  });

  it('leaves custom LFs to the sandbox: no SQL, no JS evaluator', () => {
    const lf = compileLf({ type: 'custom', name: 'c', label: 1, code: '(row) => ABSTAIN' }, schema, 2);
    expect([lf.duckdbSql, lf.evaluate]).toEqual([null, null]);
  });
});
