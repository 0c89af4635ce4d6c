// SQL LFs: a boolean SQL expression over the row's columns. It is parsed with a real SQL parser, checked
// node by node against an allow-list, type-checked against the asset schema, and then rendered again — to
// DuckDB SQL (names quoted, literals re-escaped: the user's text never reaches DuckDB) and to a JavaScript
// evaluator with SQL's three-valued logic (NULL propagates; WHERE-style, only TRUE fires).
// The PostgreSQL parser alone (the one dialect used): the package's main file holds every dialect's, ~2.5 MB of
// script that each browser worker running LFs would download, decode and compile before its first message.
import nodeSqlParser from 'node-sql-parser/build/postgresql.js';
import type { BatchColumn, ColumnBatch, StringColumn } from './column-batch.ts';
import { compareCodePoints, textMatchMask, type TextMatch } from './text.ts';
import { caseMappedColumn, lowerLikeDuckdb, upperLikeDuckdb } from './text-case.ts';
import {
  booleanLiteral, doubleLiteral, integerLiteral, parseTimestampMicros, quoteIdent, stringLiteral, timestampLiteral,
} from './sql-literals.ts';
import { zeroedMask, type CompiledCondition } from './condition.ts';
import { LfCompileError, type AssetSchema, type ColumnType } from './types.ts';

type SqlType = ColumnType | 'null';
/** Integers are JS numbers when safe and bigints otherwise; timestamps are microseconds. */
type Value = number | bigint | string | boolean | null;
type Getter = (i: number) => Value;

interface Typed {
  type: SqlType;
  sql: string;
  bind: (batch: ColumnBatch) => Getter;
  /** Set for literals, so a string can be read as a timestamp where one is compared to a timestamp. */
  literal?: { kind: 'string'; value: string };
  /** Set for constants (literals, NULL): their value. */
  constant?: { value: Value };
  /** Set for a bare column reference: its name. */
  column?: string;
  /**
   * Column at a time, where that beats one getter call per row: a boolean expression's truth for every row (as
   * FALSE/UNKNOWN/TRUE bytes, below), or a text expression over one text column as a StringColumn (the column,
   * or lower()/upper() of it).
   * Each gives what `bind` gives row by row, and a test holds the two to the same results.
   */
  truth?: (batch: ColumnBatch) => Uint8Array;
  text?: (batch: ColumnBatch) => StringColumn;
  /** ANDs (ORs) this expression's truth into `truth` in place; undefined when it cannot (then truthOf and a pass). */
  combineInto?: (batch: ColumnBatch, truth: Uint8Array, op: 'AND' | 'OR') => Uint8Array | undefined;
}

/**
 * SQL's three truth values as bytes, ordered so that AND is the minimum, OR the maximum and NOT is 2 − x
 * (Kleene's logic, which SQL's is).
 */
const FALSE = 0;
const UNKNOWN = 1;
const TRUE = 2;

/** An expression's truth per row: column at a time when it has that form, else from its getter, row by row. */
function truthOf(t: Typed, batch: ColumnBatch): Uint8Array {
  if (t.truth) return t.truth(batch);
  const get = t.bind(batch);
  const out = new Uint8Array(batch.length);
  for (let i = 0; i < out.length; i++) {
    const v = get(i);
    out[i] = v === true ? TRUE : v === null ? UNKNOWN : FALSE;
  }
  return out;
}

/** Functions an SQL LF may call: each has the same meaning in DuckDB and in the evaluator below. */
export const ALLOWED_SQL_FUNCTIONS = ['lower', 'upper', 'length', 'abs', 'coalesce', 'contains', 'starts_with', 'ends_with'] as const;

// node-sql-parser's AST is loosely typed; these are the fields read here.
interface AstNode {
  type?: string;
  operator?: string;
  value?: unknown;
  left?: AstNode;
  right?: AstNode;
  expr?: AstNode | null;
  args?: AstNode | AstNode[];
  name?: { name: { value: string }[] } | string;
  table?: string | null;
  column?: { expr: { type: string; value: string } } | string;
  cond?: AstNode;
  result?: AstNode;
  ast?: unknown;
}

/** `rowByRow`: evaluate with the per-row getters only (what tests compare the column-at-a-time forms with). */
export function compileSqlCondition(lf: string, expression: string, schema: AssetSchema, options: { rowByRow?: boolean } = {}): CompiledCondition {
  const where = parseWhere(lf, expression);
  const typed = new SqlCompiler(lf, schema, options.rowByRow ?? false).compile(where);
  if (typed.type !== 'boolean' && typed.type !== 'null') {
    throw new LfCompileError('TYPE_MISMATCH', lf, `the expression must be true/false, but it gives a ${typed.type}.`);
  }
  const fields = [...new Set(collectColumns(where).map((c) => resolveColumn(lf, schema, c).name))];
  return {
    sql: typed.sql,
    fields,
    mask: (batch, reuse) => {
      const out = zeroedMask(batch.length, reuse);
      if (typed.truth) {
        const truth = typed.truth(batch);
        for (let i = 0; i < out.length; i++) out[i] = +(truth[i] === TRUE);
        return out;
      }
      const get = typed.bind(batch);
      for (let i = 0; i < out.length; i++) out[i] = +(get(i) === true);
      return out;
    },
  };
}

function parseWhere(lf: string, expression: string): AstNode {
  let ast: unknown;
  try {
    ast = new nodeSqlParser.Parser().astify(`SELECT * FROM t WHERE ${expression}`, { database: 'PostgreSQL' });
  } catch (e) {
    throw new LfCompileError('SQL_PARSE_ERROR', lf, `the expression does not parse: ${(e as Error).message.split('\n')[0]}`);
  }
  const statements = Array.isArray(ast) ? ast : [ast];
  const select = statements[0] as Record<string, unknown> | undefined;
  const onlyWhere = statements.length === 1 && select && select.type === 'select' && select.where
    && !select.with && !select.groupby && !select.having && !select.orderby && !select._next && !select.window
    && !(select.limit && (select.limit as { value: unknown[] }).value.length);
  if (!onlyWhere) {
    throw new LfCompileError('SQL_NOT_ALLOWED', lf, 'give one boolean expression (like `score > 3 AND lang = \'en\'`), not statements or clauses.');
  }
  return select.where as AstNode;
}

function collectColumns(node: unknown): AstNode[] {
  if (!node || typeof node !== 'object') return [];
  if ((node as AstNode).type === 'column_ref') return [node as AstNode];
  return Object.values(node).flatMap(collectColumns);
}

function columnName(node: AstNode): { name: string; quoted: boolean } {
  const c = node.column;
  if (typeof c === 'string') return { name: c, quoted: false };
  return { name: c!.expr.value, quoted: c!.expr.type === 'double_quote_string' };
}

function resolveColumn(lf: string, schema: AssetSchema, node: AstNode) {
  if (node.table) throw new LfCompileError('SQL_NOT_ALLOWED', lf, `write column names without a table ("${node.table}.").`);
  const { name, quoted } = columnName(node);
  const exact = schema.columns.find((c) => c.name === name);
  if (exact) return exact;
  // Unquoted identifiers are case-insensitive in DuckDB: accept one that matches a single column.
  const folded = quoted ? [] : schema.columns.filter((c) => c.name.toLowerCase() === name.toLowerCase());
  if (folded.length === 1) return folded[0];
  throw new LfCompileError('UNKNOWN_FIELD', lf, `unknown column "${name}"; the asset has ${schema.columns.map((c) => `"${c.name}"`).join(', ')}.`);
}

const NUMERIC = new Set<SqlType>(['integer', 'float']);
const COMPARISON: Record<string, string> = { '=': '=', '<>': '<>', '!=': '<>', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };

class SqlCompiler {
  private readonly lf: string;
  private readonly schema: AssetSchema;
  /** No column-at-a-time forms: every node only by its getter. */
  private readonly rowByRow: boolean;
  constructor(lf: string, schema: AssetSchema, rowByRow: boolean) {
    this.lf = lf;
    this.schema = schema;
    this.rowByRow = rowByRow;
  }

  private refuse(what: string): LfCompileError {
    return new LfCompileError('SQL_NOT_ALLOWED', this.lf, `${what} is not allowed in an SQL LF; use columns, literals, comparisons, AND/OR/NOT, IN, BETWEEN, LIKE, IS [NOT] NULL, CASE, arithmetic and ${ALLOWED_SQL_FUNCTIONS.join(', ')}.`);
  }

  private mismatch(problem: string): LfCompileError {
    return new LfCompileError('TYPE_MISMATCH', this.lf, problem);
  }

  compile(node: AstNode): Typed {
    if (!node || typeof node !== 'object' || node.ast) throw this.refuse('a subquery');
    switch (node.type) {
      case 'column_ref': return this.column(node);
      case 'number': case 'bigint': return numberLiteral(String(node.value));
      case 'single_quote_string': return stringConstant(String(node.value).replaceAll("''", "'"));
      case 'bool': return constant('boolean', booleanLiteral(node.value === true), node.value === true);
      case 'null': return constant('null', 'NULL', null);
      case 'binary_expr': return this.binary(node);
      case 'unary_expr': return this.unary(node);
      case 'function': return this.call(node);
      case 'case': return this.caseExpr(node);
      default: throw this.refuse(node.type ? `"${node.type}"` : 'this construct');
    }
  }

  private column(node: AstNode): Typed {
    const col = resolveColumn(this.lf, this.schema, node);
    const name = col.name;
    // Every column-at-a-time form starts at a column reference: without these, none is built.
    if (this.rowByRow) return { type: col.type, sql: quoteIdent(name), bind: (batch) => columnGetter(batch.columns[name]) };
    return {
      type: col.type, sql: quoteIdent(name), bind: (batch) => columnGetter(batch.columns[name]), column: name,
      ...(col.type === 'boolean' ? { truth: (batch: ColumnBatch) => booleanTruth(batch.columns[name]!) } : {}),
      ...(col.type === 'string' ? { text: (batch: ColumnBatch) => batch.columns[name] as StringColumn } : {}),
    };
  }

  private binary(node: AstNode): Typed {
    const op = String(node.operator).toUpperCase();
    if (op === 'AND' || op === 'OR') {
      return this.logical(op, this.booleanOperand(this.compile(node.left!), op), this.booleanOperand(this.compile(node.right!), op));
    }
    if (op in COMPARISON) return this.comparison(COMPARISON[op], this.compile(node.left!), this.compile(node.right!));
    if (op === 'IN' || op === 'NOT IN') return this.membership(op === 'NOT IN', node);
    if (op === 'BETWEEN' || op === 'NOT BETWEEN') return this.between(op === 'NOT BETWEEN', node);
    if (op === 'IS' || op === 'IS NOT') return this.is(op === 'IS NOT', node);
    if (op === 'LIKE' || op === 'NOT LIKE') return this.like(op === 'NOT LIKE', node);
    if (op === '||') return this.concat(node);
    if (['+', '-', '*', '/', '%'].includes(op)) return this.arithmetic(op, this.compile(node.left!), this.compile(node.right!));
    throw this.refuse(`operator "${op}"`);
  }

  private booleanOperand(t: Typed, where: string): Typed {
    if (t.type !== 'boolean' && t.type !== 'null') throw this.mismatch(`${where} needs true/false, got a ${t.type}.`);
    return t;
  }

  private logical(op: 'AND' | 'OR', l: Typed, r: Typed): Typed {
    return {
      type: 'boolean',
      sql: `(${l.sql} ${op} ${r.sql})`,
      // Column at a time when either side is (both sides row by row: the getters' short cut is as quick).
      ...(l.truth || r.truth ? {
        truth: (batch: ColumnBatch) => {
          const a = truthOf(l, batch);
          if (r.combineInto?.(batch, a, op)) return a;
          const b = truthOf(r, batch);
          if (op === 'AND') for (let i = 0; i < a.length; i++) a[i] = Math.min(a[i]!, b[i]!);
          else for (let i = 0; i < a.length; i++) a[i] = Math.max(a[i]!, b[i]!);
          return a;
        },
      } : {}),
      bind: (batch) => {
        const a = l.bind(batch);
        const b = r.bind(batch);
        return op === 'AND'
          ? (i) => { const x = a(i); if (x === false) return false; const y = b(i); return y === false ? false : x === null || y === null ? null : true; }
          : (i) => { const x = a(i); if (x === true) return true; const y = b(i); return y === true ? true : x === null || y === null ? null : false; };
      },
    };
  }

  /** Makes both sides comparable: numbers with numbers, a string literal read as a timestamp, and so on. */
  private unify(l: Typed, r: Typed, what: string): [Typed, Typed] {
    if (l.type === 'timestamp' && r.literal) return [l, this.asTimestamp(r)];
    if (r.type === 'timestamp' && l.literal) return [this.asTimestamp(l), r];
    const same = l.type === r.type || l.type === 'null' || r.type === 'null' || (NUMERIC.has(l.type) && NUMERIC.has(r.type));
    if (!same) throw this.mismatch(`${what} cannot compare a ${l.type} with a ${r.type}.`);
    return [l, r];
  }

  private asTimestamp(t: Typed): Typed {
    const micros = parseTimestampMicros(t.literal!.value);
    if (micros === undefined) throw this.mismatch(`'${t.literal!.value}' is not a timestamp like '2024-01-31 12:00:00'.`);
    return constant('timestamp', timestampLiteral(micros), micros);
  }

  private comparison(op: string, left: Typed, right: Typed): Typed {
    const [l, r] = this.unify(left, right, `"${op}"`);
    const test = comparisonTest(op);
    const compared: Typed = {
      type: 'boolean',
      sql: `(${l.sql} ${op} ${r.sql})`,
      bind: (batch) => {
        const a = l.bind(batch);
        const b = r.bind(batch);
        return (i) => {
          const x = a(i);
          if (x === null) return null;
          const y = b(i);
          return y === null ? null : test(compareValues(x, y));
        };
      },
    };
    const fast = columnVersusConstant(l, r, test);
    if (fast) {
      compared.truth = (batch) => fast(batch) ?? truthOf({ ...compared, truth: undefined }, batch);
      compared.combineInto = (batch, truth, op) => fast(batch, { truth, op });
    }
    return compared;
  }

  private membership(negate: boolean, node: AstNode): Typed {
    const left = this.compile(node.left!);
    const list = node.right;
    if (!list || list.type !== 'expr_list' || !Array.isArray(list.value)) throw this.refuse('IN without a list of values');
    const items = (list.value as AstNode[]).map((item) => this.unify(left, this.compile(item), 'IN')[1]);
    // A text literal on the left of timestamps is read as a timestamp too.
    const l = items.length > 0 ? this.unify(left, items[0], 'IN')[0] : left;
    return {
      type: 'boolean',
      sql: `(${l.sql} ${negate ? 'NOT IN' : 'IN'} (${items.map((t) => t.sql).join(', ')}))`,
      bind: (batch) => {
        const a = l.bind(batch);
        const getters = items.map((t) => t.bind(batch));
        return (i) => {
          const x = a(i);
          if (x === null) return null;
          let sawNull = false;
          for (const g of getters) {
            const y = g(i);
            if (y === null) sawNull = true;
            else if (compareValues(x, y) === 0) return !negate;
          }
          return sawNull ? null : negate;
        };
      },
    };
  }

  private between(negate: boolean, node: AstNode): Typed {
    const bounds = node.right?.value as AstNode[] | undefined;
    if (!Array.isArray(bounds) || bounds.length !== 2) throw this.refuse('BETWEEN without two bounds');
    const x = this.compile(node.left!);
    const [, lo] = this.unify(x, this.compile(bounds[0]), 'BETWEEN');
    const [, hi] = this.unify(x, this.compile(bounds[1]), 'BETWEEN');
    const both = this.logical('AND', this.comparison('>=', x, lo), this.comparison('<=', x, hi));
    return {
      type: 'boolean',
      sql: `(${x.sql} ${negate ? 'NOT BETWEEN' : 'BETWEEN'} ${lo.sql} AND ${hi.sql})`,
      bind: negate ? (batch) => { const g = both.bind(batch); return (i) => not(g(i)); } : both.bind,
      ...(both.truth ? { truth: negate ? (batch: ColumnBatch) => notTruth(both.truth!(batch)) : both.truth } : {}),
    };
  }

  private is(negate: boolean, node: AstNode): Typed {
    const x = this.compile(node.left!);
    const right = node.right!;
    if (right.type === 'null') {
      return {
        type: 'boolean',
        sql: `(${x.sql} IS ${negate ? 'NOT ' : ''}NULL)`,
        bind: (batch) => { const g = x.bind(batch); return (i) => (g(i) === null) !== negate; },
        ...(x.column !== undefined ? { truth: (batch: ColumnBatch) => nullTruth(batch.columns[x.column!]!, batch.length, negate) } : {}),
      };
    }
    if (right.type === 'bool') {
      this.booleanOperand(x, 'IS TRUE/FALSE');
      const want = right.value === true;
      return {
        type: 'boolean',
        sql: `(${x.sql} IS ${negate ? 'NOT ' : ''}${booleanLiteral(want)})`,
        bind: (batch) => { const g = x.bind(batch); return (i) => (g(i) === want) !== negate; },
        ...(x.truth ? {
          truth: (batch: ColumnBatch) => {
            const t = x.truth!(batch);
            const hit = want ? TRUE : FALSE;
            for (let i = 0; i < t.length; i++) t[i] = (t[i] === hit) !== negate ? TRUE : FALSE;
            return t;
          },
        } : {}),
      };
    }
    throw this.refuse('IS with anything but NULL, TRUE or FALSE');
  }

  private like(negate: boolean, node: AstNode): Typed {
    const x = this.compile(node.left!);
    const pattern = node.right!;
    if (pattern.type !== 'single_quote_string') throw this.refuse('LIKE with a pattern that is not a string literal');
    if (x.type !== 'string' && x.type !== 'null') throw this.mismatch(`LIKE needs text, got a ${x.type}.`);
    const text = String(pattern.value).replaceAll("''", "'");
    const matches = likeMatcher(text);
    const shape = likeShape(text);
    return {
      type: 'boolean',
      sql: `(${x.sql} ${negate ? 'NOT LIKE' : 'LIKE'} ${stringLiteral(text)})`,
      ...(x.text && shape ? { truth: (batch: ColumnBatch) => textMatchTruth(x.text!(batch), shape.match, shape.word, negate) } : {}),
      bind: (batch) => {
        const g = x.bind(batch);
        return (i) => { const s = g(i); return s === null ? null : matches(s as string) !== negate; };
      },
    };
  }

  private concat(node: AstNode): Typed {
    const l = this.compile(node.left!);
    const r = this.compile(node.right!);
    for (const t of [l, r]) if (t.type !== 'string' && t.type !== 'null') throw this.mismatch(`|| joins text, got a ${t.type}.`);
    return {
      type: 'string',
      sql: `(${l.sql} || ${r.sql})`,
      bind: (batch) => {
        const a = l.bind(batch);
        const b = r.bind(batch);
        return (i) => { const x = a(i); const y = b(i); return x === null || y === null ? null : (x as string) + (y as string); };
      },
    };
  }

  private arithmetic(op: string, l: Typed, r: Typed): Typed {
    for (const t of [l, r]) if (!NUMERIC.has(t.type) && t.type !== 'null') throw this.mismatch(`"${op}" needs numbers, got a ${t.type}.`);
    const type: SqlType = op !== '/' && l.type === 'integer' && r.type === 'integer' ? 'integer' : 'float';
    return {
      type,
      // DuckDB gives NULL for x/0 but folds `x/0 IS NULL` to false when x and 0 are not NULL; NULLIF makes the
      // NULL explicit, so both engines agree.
      sql: op === '/' || op === '%' ? `(${l.sql} ${op} NULLIF(${r.sql}, 0))` : `(${l.sql} ${op} ${r.sql})`,
      bind: (batch) => {
        const a = l.bind(batch);
        const b = r.bind(batch);
        return (i) => {
          const x = a(i);
          const y = b(i);
          return x === null || y === null ? null : arithmeticValue(op, x as number | bigint, y as number | bigint);
        };
      },
    };
  }

  private unary(node: AstNode): Typed {
    const op = String(node.operator).toUpperCase();
    const x = this.compile(node.expr!);
    if (op === 'NOT') return this.negation(x);
    if (op === '-') {
      if (!NUMERIC.has(x.type) && x.type !== 'null') throw this.mismatch(`"-" needs a number, got a ${x.type}.`);
      return {
        type: x.type,
        sql: `(- ${x.sql})`,
        bind: (batch) => { const g = x.bind(batch); return (i) => { const v = g(i); return v === null ? null : -(v as number); }; },
        // A negative literal (-1 parses as minus 1) is a constant too, so `x <> -1` compares column at a time.
        ...(x.constant ? { constant: { value: x.constant.value === null ? null : -(x.constant.value as number) } } : {}),
      };
    }
    throw this.refuse(`operator "${op}"`);
  }

  private negation(x: Typed): Typed {
    this.booleanOperand(x, 'NOT');
    return {
      type: 'boolean', sql: `(NOT ${x.sql})`, bind: (batch) => { const g = x.bind(batch); return (i) => not(g(i)); },
      ...(x.truth ? { truth: (batch: ColumnBatch) => notTruth(x.truth!(batch)) } : {}),
    };
  }

  private call(node: AstNode): Typed {
    const raw = typeof node.name === 'string' ? node.name : node.name?.name.map((p) => p.value).join('.');
    const name = String(raw).toLowerCase();
    const argList = node.args && !Array.isArray(node.args) ? node.args.value : node.args;
    const args = ((Array.isArray(argList) ? argList : []) as AstNode[]).map((a) => this.compile(a));
    if (name === 'not' && args.length === 1) return this.negation(args[0]);
    if (!(ALLOWED_SQL_FUNCTIONS as readonly string[]).includes(name)) throw this.refuse(`function "${raw}"`);
    const arity = (n: number) => {
      if (args.length !== n) throw this.mismatch(`${name}() takes ${n} argument${n > 1 ? 's' : ''}, got ${args.length}.`);
    };
    const needs = (t: Typed, types: SqlType[]) => {
      if (!types.includes(t.type) && t.type !== 'null') throw this.mismatch(`${name}() needs ${types.join(' or ')}, got a ${t.type}.`);
    };
    const sql = `${name}(${args.map((a) => a.sql).join(', ')})`;
    switch (name) {
      case 'lower': case 'upper': {
        arity(1); needs(args[0], ['string']);
        const map = name === 'lower' ? lowerLikeDuckdb : upperLikeDuckdb;
        const of = args[0].text;
        if (!of) return strict('string', sql, args, ([s]) => map(s as string));
        // Over a column: the whole column mapped once (and kept), read like a column.
        const mapped = (batch: ColumnBatch) => caseMappedColumn(of(batch), name);
        return { type: 'string', sql, bind: (batch) => columnGetter(mapped(batch)), text: mapped };
      }
      case 'length':
        arity(1); needs(args[0], ['string']);
        return strict('integer', sql, args, ([s]) => codePointLength(s as string));
      case 'abs':
        arity(1); needs(args[0], ['integer', 'float']);
        return strict(args[0].type, sql, args, ([x]) => (typeof x === 'bigint' ? (x < 0n ? -x : x) : Math.abs(x as number)));
      case 'contains': case 'starts_with': case 'ends_with': {
        arity(2); needs(args[0], ['string']); needs(args[1], ['string']);
        const test = name === 'contains' ? (s: string, t: string) => s.includes(t)
          : name === 'starts_with' ? (s: string, t: string) => s.startsWith(t) : (s: string, t: string) => s.endsWith(t);
        const rowByRow = strict('boolean', sql, args, ([s, t]) => test(s as string, t as string));
        const [of, word] = [args[0].text, args[1].constant?.value];
        if (!of || typeof word !== 'string') return rowByRow;
        const match: TextMatch = name === 'contains' ? 'contains' : name === 'starts_with' ? 'startswith' : 'endswith';
        return { ...rowByRow, truth: (batch) => textMatchTruth(of(batch), match, word, false) };
      }
      case 'coalesce': {
        if (args.length === 0) throw this.mismatch('coalesce() needs arguments.');
        const type = args.reduce<SqlType>((acc, a) => {
          if (acc === 'null') return a.type;
          if (a.type === 'null' || a.type === acc) return acc;
          if (NUMERIC.has(a.type) && NUMERIC.has(acc)) return 'float';
          throw this.mismatch(`coalesce() mixes a ${acc} and a ${a.type}.`);
        }, 'null');
        return {
          type,
          sql,
          bind: (batch) => {
            const gs = args.map((a) => a.bind(batch));
            return (i) => { for (const g of gs) { const v = g(i); if (v !== null) return v; } return null; };
          },
        };
      }
    }
    throw this.refuse(`function "${raw}"`);
  }

  private caseExpr(node: AstNode): Typed {
    const branches = (node.args as AstNode[]) ?? [];
    const subject = node.expr ? this.compile(node.expr) : null;
    const whens = branches.filter((b) => b.type === 'when').map((b) => {
      const cond = subject ? this.comparison('=', subject, this.compile(b.cond!)) : this.booleanOperand(this.compile(b.cond!), 'CASE WHEN');
      return { cond, result: this.compile(b.result!) };
    });
    const elseBranch = branches.find((b) => b.type === 'else');
    const otherwise = elseBranch ? this.compile(elseBranch.result!) : constant('null', 'NULL', null);
    const results = [...whens.map((w) => w.result), otherwise];
    const type = results.reduce<SqlType>((acc, r) => {
      if (acc === 'null') return r.type;
      if (r.type === 'null' || r.type === acc) return acc;
      if (NUMERIC.has(r.type) && NUMERIC.has(acc)) return 'float';
      throw this.mismatch(`CASE mixes a ${acc} and a ${r.type}.`);
    }, 'null');
    return {
      type,
      sql: `(CASE ${whens.map((w) => `WHEN ${w.cond.sql} THEN ${w.result.sql}`).join(' ')} ELSE ${otherwise.sql} END)`,
      bind: (batch) => {
        const ws = whens.map((w) => ({ cond: w.cond.bind(batch), result: w.result.bind(batch) }));
        const other = otherwise.bind(batch);
        return (i) => {
          for (const w of ws) if (w.cond(i) === true) return w.result(i);
          return other(i);
        };
      },
    };
  }
}

function constant(type: SqlType, sql: string, value: Value): Typed {
  return { type, sql, bind: () => () => value, constant: { value } };
}

function stringConstant(value: string): Typed {
  return { ...constant('string', stringLiteral(value), value), literal: { kind: 'string', value } };
}

/** Integer literals stay exact (bigint past 2^53) and render as BIGINT; others are DOUBLE in both engines. */
function numberLiteral(text: string): Typed {
  if (/^\d+$/.test(text)) {
    const big = BigInt(text);
    const value = big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
    return constant('integer', integerLiteral(big), value);
  }
  const x = Number(text);
  return constant('float', doubleLiteral(x), x);
}

/** A function of non-null arguments: NULL in, NULL out, as in SQL. */
function strict(type: SqlType, sql: string, args: Typed[], fn: (values: Value[]) => Value): Typed {
  return {
    type,
    sql,
    bind: (batch) => {
      const gs = args.map((a) => a.bind(batch));
      if (gs.length === 1) {
        const [g] = gs;
        return (i) => { const v = g(i); return v === null ? null : fn([v]); };
      }
      return (i) => {
        const values = gs.map((g) => g(i));
        return values.includes(null) ? null : fn(values);
      };
    },
  };
}

function notTruth(t: Uint8Array): Uint8Array {
  for (let i = 0; i < t.length; i++) t[i] = TRUE - t[i]!;
  return t;
}

function booleanTruth(c: BatchColumn): Uint8Array {
  const { values, nulls } = c as Extract<BatchColumn, { type: 'boolean' }>;
  const out = new Uint8Array(values.length);
  for (let i = 0; i < out.length; i++) out[i] = nulls && nulls[i] ? UNKNOWN : values[i] === 1 ? TRUE : FALSE;
  return out;
}

function nullTruth(c: BatchColumn, n: number, negate: boolean): Uint8Array {
  const { nulls } = c;
  const out = new Uint8Array(n).fill(negate ? TRUE : FALSE);
  if (nulls) for (let i = 0; i < n; i++) if (nulls[i]) out[i] = negate ? FALSE : TRUE;
  return out;
}

/**
 * `column op constant` (either way round) over a number, timestamp or boolean column, as compareValues orders
 * them: NaN above every number and equal to itself, -0 equal to 0, false < true. Undefined when it does not
 * apply (other operands, or a BIGINT column stored as BigInt64Array); the caller then goes row by row.
 */
/**
 * Given `into`, the comparison is ANDed (ORed) into an expression's truth in place, looking only at rows that can
 * still change (not already FALSE for AND, not TRUE for OR): a chain `a AND b AND c` costs one pass per operand.
 */
type ColumnComparison = (batch: ColumnBatch, into?: { truth: Uint8Array; op: 'AND' | 'OR' }) => Uint8Array | undefined;

function columnVersusConstant(l: Typed, r: Typed, test: (cmp: number) => boolean): ColumnComparison | undefined {
  const onLeft = l.column !== undefined && r.constant !== undefined;
  if (!onLeft && !(r.column !== undefined && l.constant !== undefined)) return undefined;
  const name = onLeft ? l.column! : r.column!;
  const constantValue = onLeft ? r.constant!.value : l.constant!.value;
  if (typeof constantValue !== 'number' && typeof constantValue !== 'boolean') return undefined;
  const k = Number(constantValue);
  // The outcome for the column's value below, equal to and above the constant (swapped when the constant is on the left).
  const [below, equal, above] = onLeft ? [test(-1), test(0), test(1)] : [test(1), test(0), test(-1)];
  const kIsNaN = Number.isNaN(k);
  return (batch, into) => {
    const c = batch.columns[name]!;
    if (c.type === 'string' || (typeof constantValue === 'boolean') !== (c.type === 'boolean')) return undefined;
    const { values, nulls } = c;
    if (values[Symbol.toStringTag] === 'BigInt64Array') return undefined;
    const xs = values as Float64Array | Uint8Array;
    const out = into ? into.truth : new Uint8Array(xs.length);
    // Rows whose truth this comparison cannot change: FALSE under AND, TRUE under OR (none without `into`).
    const settled = into ? (into.op === 'AND' ? FALSE : TRUE) : -1;
    const and = into?.op === 'AND';
    for (let i = 0; i < out.length; i++) {
      const before = out[i]!;
      if (before === settled) continue;
      const x = xs[i]!;
      // A NaN constant is above every number and equals NaN; a NaN x (none of <, >, ===) is above k.
      const hit = kIsNaN ? (Number.isNaN(x) ? equal : below) : x < k ? below : x > k ? above : x === k ? equal : above;
      const t = nulls && nulls[i] ? UNKNOWN : hit ? TRUE : FALSE;
      out[i] = !into ? t : and ? (t < before ? t : before) : (t > before ? t : before);
    }
    return out;
  };
}

/** A text match over a whole column (see textMatchMask) as truth: null rows unknown. */
function textMatchTruth(column: StringColumn, match: TextMatch, word: string, negate: boolean): Uint8Array {
  const out = textMatchMask(column, match, word, new Uint8Array(column.offsets.length - 1));
  const { nulls } = column;
  const [hit, miss] = negate ? [FALSE, TRUE] : [TRUE, FALSE];
  for (let i = 0; i < out.length; i++) out[i] = nulls && nulls[i] ? UNKNOWN : out[i] ? hit : miss;
  return out;
}

function not(v: Value): Value {
  return v === null ? null : !v;
}

function columnGetter(c: BatchColumn): Getter {
  const nulls = c.nulls;
  switch (c.type) {
    case 'string': {
      const { text, offsets } = c;
      return (i) => (nulls && nulls[i] ? null : text.slice(offsets[i], offsets[i + 1] - 1));
    }
    case 'boolean': return (i) => (nulls && nulls[i] ? null : c.values[i] === 1);
    default: {
      const values = c.values;
      return (i) => (nulls && nulls[i] ? null : values[i]);
    }
  }
}

function comparisonTest(op: string): (cmp: number) => boolean {
  switch (op) {
    case '=': return (c) => c === 0;
    case '<>': return (c) => c !== 0;
    case '<': return (c) => c < 0;
    case '<=': return (c) => c <= 0;
    case '>': return (c) => c > 0;
    default: return (c) => c >= 0;
  }
}

/**
 * Total order of DuckDB: numbers (number and bigint compare by exact value), NaN above every number and
 * equal to itself, -0 equal to 0, text by code point, false < true.
 */
function compareValues(x: Value, y: Value): number {
  if (typeof x === 'string') return compareCodePoints(x, y as string);
  if (typeof x === 'boolean') return (x ? 1 : 0) - ((y as boolean) ? 1 : 0);
  const xNaN = typeof x === 'number' && Number.isNaN(x);
  const yNaN = typeof y === 'number' && Number.isNaN(y);
  if (xNaN || yNaN) return (xNaN ? 1 : 0) - (yNaN ? 1 : 0);
  return (x as number) < (y as number) ? -1 : (x as number) > (y as number) ? 1 : 0;
}

/** Integer ops stay exact (bigint when either side is); '/' divides as doubles; x/0 and x%0 are NULL, as in DuckDB. */
function arithmeticValue(op: string, x: number | bigint, y: number | bigint): Value {
  if ((op === '/' || op === '%') && (y === 0 || y === 0n)) return null;
  if (op === '/') return Number(x) / Number(y);
  if (typeof x === 'bigint' || typeof y === 'bigint') {
    if (!Number.isInteger(Number(x)) || !Number.isInteger(Number(y))) return floatOp(op, Number(x), Number(y));
    const a = BigInt(x);
    const b = BigInt(y);
    const r = op === '+' ? a + b : op === '-' ? a - b : op === '*' ? a * b : a % b;
    return r >= -BigInt(Number.MAX_SAFE_INTEGER) && r <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(r) : r;
  }
  return floatOp(op, x, y);
}

function floatOp(op: string, x: number, y: number): number {
  return op === '+' ? x + y : op === '-' ? x - y : op === '*' ? x * y : x % y;
}

function codePointLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff) n++; // count everything but low surrogates
  }
  return n;
}

/** A LIKE pattern of the shapes '%word%', 'word%', '%word' or 'word' (no '_', no other '%'), as a text match. */
function likeShape(pattern: string): { match: TextMatch; word: string } | undefined {
  const literal = /^(%?)([^%_]*)(%?)$/.exec(pattern);
  if (!literal) return undefined;
  const [, lead, word, trail] = literal;
  return { match: lead && trail ? 'contains' : trail ? 'startswith' : lead ? 'endswith' : 'equals', word: word! };
}

/**
 * DuckDB LIKE: '%' any run, '_' one character (code point), no escape character, whole-string match.
 * The common shapes ('%word%', 'word%', '%word', 'word') skip the regex.
 */
function likeMatcher(pattern: string): (s: string) => boolean {
  const shape = likeShape(pattern);
  if (shape) {
    const { match, word } = shape;
    if (match === 'contains') return (s) => s.includes(word);
    if (match === 'startswith') return (s) => s.startsWith(word);
    if (match === 'endswith') return (s) => s.endsWith(word);
    return (s) => s === word;
  }
  let source = '';
  for (const ch of pattern) {
    source += ch === '%' ? '.*' : ch === '_' ? '.' : ch.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
  }
  const re = new RegExp(`^${source}$`, 'su');
  return (s) => re.test(s);
}
