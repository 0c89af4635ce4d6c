// The first of three locks on source SQL (DESIGN.md, Security model): before an index or rule query is saved or run,
// a real parser must see exactly one read-only SELECT. The other two locks are at run time — a read-only transaction
// with a statement timeout, on a connection that is discarded afterwards (edge-api/sources/) — so this check is
// about clear, early refusals; the function deny-list is defence in depth, not the security boundary.
//
// Template parameters are written `:name` and bound as parameters (edge-api/sources/params.ts); the guard rewrites
// them to placeholders before parsing so that a query using them parses like any other.
// First, so that it runs before libpg-query compiles its wasm (see wasm-tiering.ts).
import './wasm-tiering.ts';
import { parse as parsePostgres } from 'libpg-query';
import nodeSqlParser from 'node-sql-parser';
import { compileNamedParams, SqlParamError } from '../sources/params.ts';
import type { SqlDialect } from '../sources/params.ts';

export type SqlGuardCode =
  | 'SQL_NOT_SINGLE_STATEMENT'
  | 'SQL_NOT_SELECT'
  | 'SQL_SYNTAX'
  | 'SQL_FORBIDDEN_CLAUSE'
  | 'SQL_EXECUTABLE_COMMENT';

export type SqlCheck = { ok: true } | { ok: false; code: SqlGuardCode; message: string };

const LEAD = 'A source query must be one read-only SELECT statement';

// Functions that write, reach outside the database, or run SQL given as a string (which would bypass this parser);
// pg_* functions are refused unless allowed below.
const POSTGRES_FORBIDDEN_FUNCTIONS = new Set([
  'nextval', 'setval', 'set_config', 'txid_current',
  'query_to_xml', 'query_to_xml_and_xmlschema', 'query_to_xmlschema', 'cursor_to_xml', 'database_to_xml',
  'database_to_xml_and_xmlschema', 'schema_to_xml', 'schema_to_xml_and_xmlschema', 'table_to_xml', 'table_to_xml_and_xmlschema',
]);
const POSTGRES_FORBIDDEN_PREFIXES = ['dblink', 'lo_'];
// Most pg_* functions administer the server, and several act outside the transaction, so no rollback undoes them
// (pg_stat_reset, replication slots, advisory locks, pg_import_system_collations writes the catalog even read-only).
// Only these read-only ones are allowed; pg_sleep is left to the statement timeout.
const POSTGRES_ALLOWED_PG_FUNCTIONS = new Set([
  'pg_sleep', 'pg_sleep_for', 'pg_sleep_until', 'pg_typeof', 'pg_column_size', 'pg_column_compression',
  'pg_size_pretty', 'pg_size_bytes', 'pg_relation_size', 'pg_total_relation_size', 'pg_table_size', 'pg_indexes_size',
  'pg_database_size', 'pg_get_viewdef', 'pg_get_expr', 'pg_get_constraintdef', 'pg_get_indexdef', 'pg_get_userbyid',
  'pg_get_function_arguments', 'pg_get_function_result', 'pg_get_function_identity_arguments', 'pg_get_serial_sequence',
  'pg_get_partkeydef', 'pg_get_ruledef', 'pg_get_triggerdef', 'pg_get_statisticsobjdef', 'pg_encoding_to_char',
  'pg_char_to_encoding', 'pg_client_encoding', 'pg_backend_pid', 'pg_postmaster_start_time', 'pg_conf_load_time',
  'pg_is_in_recovery', 'pg_has_role', 'pg_table_is_visible', 'pg_type_is_visible', 'pg_function_is_visible',
  'pg_input_is_valid', 'pg_input_error_info', 'pg_collation_for', 'pg_describe_object', 'pg_identify_object',
  'pg_options_to_table', 'pg_current_snapshot', 'pg_snapshot_xmin', 'pg_snapshot_xmax', 'pg_visible_in_snapshot',
]);

// DuckDB reads files and runs SQL strings through table functions; a files source exposes only the views Reef
// creates, so any direct file or SQL-string access is refused.
const DUCKDB_FORBIDDEN_FUNCTIONS = new Set([
  'read_text', 'read_blob', 'glob', 'sniff_csv', 'parquet_scan', 'parquet_metadata', 'parquet_schema',
  'parquet_file_metadata', 'parquet_kv_metadata', 'query', 'query_table', 'getenv', 'current_setting', 'duckdb_secrets',
]);
const DUCKDB_FORBIDDEN_PREFIXES = ['read_csv', 'read_parquet', 'read_json', 'read_ndjson', 'read_xlsx', 'duckdb_', 'json_execute'];
// DuckDB's table functions read files, run SQL given as a string (query, json_execute_serialized_sql), change the
// instance (checkpoint, enable_logging) or describe it; in FROM only these row generators are allowed.
const DUCKDB_ALLOWED_TABLE_FUNCTIONS = new Set(['generate_series', 'range', 'unnest', 'json_each', 'json_tree', 'repeat']);

const MYSQL_FORBIDDEN_FUNCTIONS = new Set([
  'get_lock', 'release_lock', 'release_all_locks', 'is_used_lock', 'load_file', 'sys_exec', 'sys_eval',
  'master_pos_wait', 'source_pos_wait', 'nextval', 'setval', 'lastval',
]);

const POSTGRES_WRITE_NODES = ['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt'];

export class SqlParserUnavailableError extends Error {
  readonly code = 'SQL_PARSER_UNAVAILABLE';
  constructor(cause: unknown) {
    super('The PostgreSQL SQL parser cannot run in this deployment, so this query cannot be checked here; save it through a Node deployment (reef serve).', { cause });
  }
}

// Text the parser reads as a comment or as nothing but the database executes: MariaDB/MySQL run `/*! … */` and
// `/*M! … */` as SQL and read `/*+ … */` as optimizer hints (so does PostgreSQL's pg_hint_plan), and MySQL reads
// `--x` (no space after the dashes) as two minus signs where the parser sees a comment. The raw text is searched,
// string literals included: how a literal ends depends on the server's sql_mode (backslash escapes, ANSI_QUOTES),
// so no lexer here can be sure it agrees with the server about what is inside one.
const EXECUTABLE_COMMENTS: Record<SqlDialect, { pattern: RegExp; what: string }[]> = {
  mysql: [
    { pattern: /\/\*M?!/i, what: 'an executable comment (/*! … */ or /*M! … */), which MariaDB and MySQL run as SQL' },
    { pattern: /\/\*\+/, what: 'an optimizer hint (/*+ … */), which the database executes' },
    { pattern: /--(?=[^\s])/, what: '"--" followed by no space, which MySQL reads as two minus signs, not as a comment' },
  ],
  postgresql: [{ pattern: /\/\*\+/, what: 'an optimizer hint (/*+ … */), which pg_hint_plan executes' }],
  duckdb: [],
};

function findExecutableComment(sql: string, dialect: SqlDialect): SqlCheck | undefined {
  for (const { pattern, what } of EXECUTABLE_COMMENTS[dialect]) {
    const match = pattern.exec(sql);
    if (!match) continue;
    const { line, column } = lineAndColumn(sql, match.index);
    return refuse(
      'SQL_EXECUTABLE_COMMENT',
      `${LEAD}; line ${line}, column ${column} has ${what}. Remove it, or write comments as /* … */ or "-- " with a space (inside a string literal, split the characters with CONCAT).`,
    );
  }
  return undefined;
}

/** Checks that `sql` is exactly one read-only SELECT (`:name` template parameters allowed) in the given dialect. */
export async function checkSourceSql(sql: string, dialect: SqlDialect): Promise<SqlCheck> {
  // Before parsing: the parser would drop these as comments.
  const executable = findExecutableComment(sql, dialect);
  if (executable) return executable;
  let text: string;
  try {
    text = compileNamedParams(sql, dialect).text;
  } catch (error) {
    if (error instanceof SqlParamError) return refuse('SQL_SYNTAX', error.message);
    throw error;
  }
  return dialect === 'mysql' ? checkMysql(text) : checkPostgresFamily(text, dialect);
}

function refuse(code: SqlGuardCode, message: string): SqlCheck {
  return { ok: false, code, message };
}

async function checkPostgresFamily(sql: string, dialect: 'postgresql' | 'duckdb'): Promise<SqlCheck> {
  // libpg-query throws on an empty string rather than returning no statements.
  if (sql.trim() === '') return refuse('SQL_NOT_SINGLE_STATEMENT', `${LEAD}; this one is empty.`);
  let stmts: { stmt?: Record<string, unknown>; stmt_location?: number }[];
  try {
    stmts = (await parsePostgres(sql)).stmts ?? [];
  } catch (error) {
    // A parse error carries sqlDetails; anything else means the parser itself could not run (its WebAssembly did
    // not load, as on Cloudflare Workers), which must not be reported as the analyst's syntax error.
    if (!(error as { sqlDetails?: unknown }).sqlDetails) throw new SqlParserUnavailableError(error);
    return refuse('SQL_SYNTAX', describePostgresSyntaxError(error, sql));
  }
  if (stmts.length === 0) return refuse('SQL_NOT_SINGLE_STATEMENT', `${LEAD}; this one is empty.`);
  if (stmts.length > 1) {
    const { line, column } = lineAndColumn(sql, stmts[1].stmt_location ?? 0);
    return refuse(
      'SQL_NOT_SINGLE_STATEMENT',
      `${LEAD}; remove the second statement after ';' (line ${line}, column ${column}).`,
    );
  }
  const statement = stmts[0].stmt ?? {};
  const kind = Object.keys(statement)[0] ?? 'unknown';
  if (kind !== 'SelectStmt') return refuse('SQL_NOT_SELECT', `${LEAD}; this is ${describePostgresStatement(kind)}.`);

  for (const node of walk(statement)) {
    for (const writeNode of POSTGRES_WRITE_NODES) {
      if (writeNode in node) {
        return refuse(
          'SQL_FORBIDDEN_CLAUSE',
          `${LEAD}; it contains ${describePostgresStatement(writeNode)} (a data-modifying WITH clause). Keep only SELECTs in WITH.`,
        );
      }
    }
    if (node.intoClause) {
      return refuse('SQL_FORBIDDEN_CLAUSE', `${LEAD}; SELECT … INTO creates a table. Remove the INTO clause.`);
    }
    if (Array.isArray(node.lockingClause) && node.lockingClause.length > 0) {
      return refuse(
        'SQL_FORBIDDEN_CLAUSE',
        `${LEAD}; FOR UPDATE / FOR SHARE lock rows in the source database. Remove the locking clause.`,
      );
    }
    const funcCall = node.FuncCall as { funcname?: { String?: { sval?: string } }[] } | undefined;
    if (funcCall) {
      const name = (funcCall.funcname?.at(-1)?.String?.sval ?? '').toLowerCase();
      if (isForbiddenFunction(name, dialect)) {
        return refuse('SQL_FORBIDDEN_CLAUSE', `${LEAD}; the function ${name}() is not allowed in a source query. Remove it.`);
      }
    }
    const tableFunction = dialect === 'duckdb' ? forbiddenTableFunction(node) : undefined;
    if (tableFunction !== undefined) {
      return refuse(
        'SQL_FORBIDDEN_CLAUSE',
        `${LEAD}; the table function ${tableFunction}() is not allowed in a files source (it reads files, runs SQL given as text or changes DuckDB). Query the connection's tables by name; FROM may call only ${[...DUCKDB_ALLOWED_TABLE_FUNCTIONS].join(', ')}.`,
      );
    }
    // DuckDB scans a quoted name like "data.csv" or "/tmp/x.parquet" as a file (a replacement scan).
    const rangeVar = node.RangeVar as { relname?: string } | undefined;
    if (dialect === 'duckdb' && rangeVar?.relname && /[./\\]/.test(rangeVar.relname)) {
      return refuse(
        'SQL_FORBIDDEN_CLAUSE',
        `${LEAD}; "${rangeVar.relname}" looks like a file path. Query the connection's tables by name instead.`,
      );
    }
  }
  return { ok: true };
}

function isForbiddenFunction(name: string, dialect: 'postgresql' | 'duckdb'): boolean {
  if (POSTGRES_FORBIDDEN_FUNCTIONS.has(name) || POSTGRES_FORBIDDEN_PREFIXES.some((p) => name.startsWith(p))) return true;
  if (name.startsWith('pg_') && !POSTGRES_ALLOWED_PG_FUNCTIONS.has(name)) return true;
  if (dialect !== 'duckdb') return false;
  return DUCKDB_FORBIDDEN_FUNCTIONS.has(name) || DUCKDB_FORBIDDEN_PREFIXES.some((p) => name.startsWith(p));
}

/** The first table function in a FROM item that is not an allowed row generator (an item that is no plain call counts as one). */
function forbiddenTableFunction(node: Record<string, unknown>): string | undefined {
  const range = node.RangeFunction as { functions?: { List?: { items?: Record<string, unknown>[] } }[] } | undefined;
  for (const item of range?.functions ?? []) {
    const call = item.List?.items?.[0]?.FuncCall as { funcname?: { String?: { sval?: string } }[] } | undefined;
    const name = (call?.funcname?.at(-1)?.String?.sval ?? '').toLowerCase();
    if (!DUCKDB_ALLOWED_TABLE_FUNCTIONS.has(name)) return name || 'expression';
  }
  return undefined;
}

function describePostgresStatement(kind: string): string {
  const readable: Record<string, string> = {
    InsertStmt: 'an INSERT',
    UpdateStmt: 'an UPDATE',
    DeleteStmt: 'a DELETE',
    MergeStmt: 'a MERGE',
    CopyStmt: 'a COPY',
    DropStmt: 'a DROP',
    CreateStmt: 'a CREATE TABLE',
    CreateTableAsStmt: 'a CREATE TABLE AS',
    AlterTableStmt: 'an ALTER TABLE',
    TruncateStmt: 'a TRUNCATE',
    ExplainStmt: 'an EXPLAIN',
    TransactionStmt: 'a transaction command',
    VariableSetStmt: 'a SET',
    DoStmt: 'a DO block',
    CallStmt: 'a CALL',
    LockStmt: 'a LOCK',
    GrantStmt: 'a GRANT',
  };
  return readable[kind] ?? `a ${kind.replace(/Stmt$/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase()} statement`;
}

function describePostgresSyntaxError(error: unknown, sql: string): string {
  const details = (error as { sqlDetails?: { message?: string; cursorPosition?: number } }).sqlDetails;
  const message = details?.message ?? (error instanceof Error ? error.message : String(error));
  if (details?.cursorPosition === undefined) return `Syntax error: ${message}. Fix the SQL and try again.`;
  const { line, column } = lineAndColumn(sql, details.cursorPosition);
  return `Syntax error at line ${line}, column ${column}: ${message}. Fix the SQL and try again.`;
}

function checkMysql(sql: string): SqlCheck {
  let ast: unknown;
  try {
    ast = new nodeSqlParser.Parser().astify(sql, { database: 'MySQL' });
  } catch (error) {
    const location = (error as { location?: { start?: { line: number; column: number } } }).location?.start;
    const found = (error as { found?: string | null }).found;
    const where = location ? ` at line ${location.line}, column ${location.column}` : '';
    const near = found ? ` near "${found}"` : '';
    return refuse('SQL_SYNTAX', `Syntax error${where}${near}. Fix the SQL and try again.`);
  }
  // A lone ';' parses as a statement without a type.
  const statements = (Array.isArray(ast) ? ast : [ast]).filter((s) => s && (s as { type?: unknown }).type) as Record<string, unknown>[];
  if (statements.length === 0) return refuse('SQL_NOT_SINGLE_STATEMENT', `${LEAD}; this one is empty.`);
  if (statements.length > 1) {
    return refuse('SQL_NOT_SINGLE_STATEMENT', `${LEAD}; remove the second statement after ';'.`);
  }
  const statement = statements[0];
  if (statement.type !== 'select') {
    return refuse('SQL_NOT_SELECT', `${LEAD}; this is ${String(statement.type).toUpperCase()}.`);
  }
  for (const node of walk(statement)) {
    if (typeof node.type === 'string' && ['insert', 'replace', 'update', 'delete'].includes(node.type)) {
      return refuse('SQL_FORBIDDEN_CLAUSE', `${LEAD}; it contains ${node.type.toUpperCase()}. Keep only SELECTs.`);
    }
    const into = node.into as { position?: unknown } | undefined;
    if (into && into.position) {
      return refuse('SQL_FORBIDDEN_CLAUSE', `${LEAD}; SELECT … INTO writes a file or variables. Remove the INTO clause.`);
    }
    if (node.locking_read) {
      return refuse(
        'SQL_FORBIDDEN_CLAUSE',
        `${LEAD}; ${String(node.locking_read)} locks rows in the source database. Remove the locking clause.`,
      );
    }
    if (node.type === 'function') {
      const parts = (node.name as { name?: { value?: string }[] } | undefined)?.name ?? [];
      const name = String(parts.at(-1)?.value ?? '').toLowerCase();
      if (MYSQL_FORBIDDEN_FUNCTIONS.has(name)) {
        return refuse('SQL_FORBIDDEN_CLAUSE', `${LEAD}; the function ${name}() is not allowed in a source query. Remove it.`);
      }
    }
  }
  return { ok: true };
}

/** Every plain object in a parse tree, depth first. */
function* walk(value: unknown): Generator<Record<string, unknown>> {
  if (Array.isArray(value)) {
    for (const item of value) yield* walk(item);
  } else if (value !== null && typeof value === 'object') {
    const node = value as Record<string, unknown>;
    yield node;
    for (const child of Object.values(node)) yield* walk(child);
  }
}

function lineAndColumn(sql: string, offset: number): { line: number; column: number } {
  const before = sql.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}
