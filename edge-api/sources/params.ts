// Template parameters in source SQL are written `:name` (the same in every dialect), or `{{ name }}` as the seed's
// Jinja-style templates write them (bare, or as a whole string literal `'{{ name }}'`), and are always bound as query
// parameters, never spliced into the text. This module rewrites `:name` into the driver's placeholder syntax:
// `$1, $2…` for PostgreSQL and DuckDB (one number per distinct name), `?` for MySQL (one per occurrence).
// It is a small lexer rather than a regex so that `:name` inside string literals, quoted identifiers and comments,
// PostgreSQL casts (`x::int`) and MySQL assignments (`@a := 1`) are left alone.

export type SqlDialect = 'postgresql' | 'mysql' | 'duckdb';

export type CompiledSql = {
  /** The SQL with every `:name` replaced by the dialect's positional placeholder. */
  text: string;
  /** Parameter names in placeholder order: `$n` is names[n-1]; for MySQL one entry per `?`. */
  names: string[];
  /** Where each `:name` was replaced, so a database's error position maps back to the analyst's text. */
  replacements: { at: number; length: number; originalAt: number; originalLength: number }[];
};

export type CompileOptions = {
  /** Renders the placeholder for the n-th distinct name (1-based); the default is the dialect's own. */
  placeholder?: (number: number, name: string) => string;
  /**
   * Drops `;` outside literals and comments. Only for SQL the guard has passed, where any `;` ends the one
   * statement, so the query can be wrapped (`COPY (…) TO`, `SELECT … FROM (…)`).
   */
  dropTerminators?: boolean;
};

export type ParamErrorCode = 'SQL_POSITIONAL_PARAM' | 'PARAM_MISSING' | 'PARAM_UNSUPPORTED_VALUE';

export class SqlParamError extends Error {
  readonly code: ParamErrorCode;
  constructor(code: ParamErrorCode, message: string) {
    super(message);
    this.name = 'SqlParamError';
    this.code = code;
  }
}

export type ParamValue = string | number | bigint | boolean | null;

const IDENT_START = /[A-Za-z_]/;
const IDENT_PART = /[A-Za-z0-9_]/;

/** Rewrites `:name` placeholders; refuses positional placeholders (`$1`, MySQL `?`) so each value has a name. */
export function compileNamedParams(sql: string, dialect: SqlDialect, options: CompileOptions = {}): CompiledSql {
  const { placeholder, dropTerminators } = options;
  const numbered = dialect !== 'mysql';
  const names: string[] = [];
  const replacements: CompiledSql['replacements'] = [];
  let text = '';
  let i = 0;
  const bind = (name: string, end: number) => {
    let rendered: string;
    if (numbered) {
      let index = names.indexOf(name);
      if (index < 0) index = names.push(name) - 1;
      rendered = placeholder ? placeholder(index + 1, name) : `$${index + 1}`;
    } else {
      names.push(name);
      rendered = '?';
    }
    replacements.push({ at: text.length, length: rendered.length, originalAt: i, originalLength: end - i });
    text += rendered;
    i = end;
  };
  while (i < sql.length) {
    const jinja = jinjaParamAt(sql, i);
    if (jinja) {
      bind(jinja.name, jinja.end);
      continue;
    }
    const skipped = skipQuotedOrComment(sql, i, dialect);
    if (skipped > i) {
      text += sql.slice(i, skipped);
      i = skipped;
      continue;
    }
    const c = sql[i];
    if (c === ':' && sql[i + 1] === ':') {
      text += '::';
      i += 2;
      continue;
    }
    if (c === ':' && IDENT_START.test(sql[i + 1] ?? '') && !IDENT_PART.test(sql[i - 1] ?? '')) {
      let end = i + 1;
      while (end < sql.length && IDENT_PART.test(sql[end])) end++;
      bind(sql.slice(i + 1, end), end);
      continue;
    }
    if (c === ';' && dropTerminators) {
      i++;
      continue;
    }
    if (isPositionalPlaceholder(sql, i, dialect)) {
      throw new SqlParamError(
        'SQL_POSITIONAL_PARAM',
        `Positional parameter "${sql.slice(i, i + 3).trim()}" at position ${i + 1}: name template parameters instead, e.g. :start_date, and give their values in query_template_params.`,
      );
    }
    text += c;
    i++;
  }
  return { text, names, replacements };
}

/** Maps an offset in the compiled text back to the analyst's text (a placeholder maps to its `:name`). */
export function originalOffset(compiled: CompiledSql, offset: number): number {
  let shift = 0;
  for (const r of compiled.replacements) {
    if (offset < r.at) break;
    if (offset < r.at + r.length) return r.originalAt;
    shift += r.originalLength - r.length;
  }
  return offset + shift;
}

/** Orders the values of a compiled statement's parameters; a missing name is an error that names it. */
export function bindParams(compiled: CompiledSql, values: Record<string, unknown>): ParamValue[] {
  return compiled.names.map((name) => {
    if (!Object.hasOwn(values, name)) {
      throw new SqlParamError(
        'PARAM_MISSING',
        `The query uses :${name} but query_template_params has no "${name}"; add it or remove :${name} from the SQL.`,
      );
    }
    const value = values[name];
    if (value === null || ['string', 'number', 'bigint', 'boolean'].includes(typeof value)) return value as ParamValue;
    throw new SqlParamError(
      'PARAM_UNSUPPORTED_VALUE',
      `Template parameter "${name}" must be a string, number, boolean or null, not ${Array.isArray(value) ? 'an array' : typeof value}.`,
    );
  });
}

// `{{ name }}`, or a string literal that is exactly `'{{ name }}'` (Jinja splices text, so seed queries quote it).
const JINJA_PARAM = /^(')?\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}\1/;

/** The Jinja-style parameter starting at i, if one does. */
function jinjaParamAt(sql: string, i: number): { name: string; end: number } | undefined {
  if (sql[i] !== '{' && !(sql[i] === "'" && sql[i + 1] === '{')) return undefined;
  const match = JINJA_PARAM.exec(sql.slice(i, i + 300));
  return match ? { name: match[2], end: i + match[0].length } : undefined;
}

function isPositionalPlaceholder(sql: string, i: number, dialect: SqlDialect): boolean {
  if (dialect === 'mysql') return sql[i] === '?';
  return sql[i] === '$' && /[0-9]/.test(sql[i + 1] ?? '') && !IDENT_PART.test(sql[i - 1] ?? '');
}

/** Returns the index just past a string literal, quoted identifier or comment starting at i, or i if none starts there. */
function skipQuotedOrComment(sql: string, i: number, dialect: SqlDialect): number {
  const c = sql[i];
  const next = sql[i + 1];
  if (c === '-' && next === '-') return lineEnd(sql, i);
  if (c === '#' && dialect === 'mysql') return lineEnd(sql, i);
  if (c === '/' && next === '*') {
    const end = sql.indexOf('*/', i + 2);
    return end < 0 ? sql.length : end + 2;
  }
  if (c === "'") {
    // PostgreSQL E'…' strings and every MySQL string treat backslash as an escape.
    const backslashEscapes = dialect === 'mysql' || /[eE]/.test(sql[i - 1] ?? '');
    return quotedEnd(sql, i, "'", backslashEscapes);
  }
  if (c === '"') return quotedEnd(sql, i, '"', dialect === 'mysql');
  if (c === '`' && dialect === 'mysql') return quotedEnd(sql, i, '`', false);
  if (c === '$' && dialect !== 'mysql') {
    const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
    if (tag && !IDENT_PART.test(sql[i - 1] ?? '')) {
      const end = sql.indexOf(tag[0], i + tag[0].length);
      return end < 0 ? sql.length : end + tag[0].length;
    }
  }
  return i;
}

function lineEnd(sql: string, i: number): number {
  const end = sql.indexOf('\n', i);
  return end < 0 ? sql.length : end + 1;
}

/** A doubled quote character stands for itself inside the literal. */
function quotedEnd(sql: string, start: number, quote: string, backslashEscapes: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    if (backslashEscapes && sql[i] === '\\') {
      i += 2;
      continue;
    }
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return sql.length;
}
