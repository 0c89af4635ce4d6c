// The one place where errors from source databases (PostgreSQL, MySQL/MariaDB, DuckDB over files) and from the
// network become something an analyst can act on: which asset, where in its SQL, what the database said, and what
// to do. `transient` tells the run queue whether a retry can help (a lost connection) or not (an SQL error).
import { checkSourceSql } from '../security/sql-guard.ts';
import type { SqlGuardCode } from '../security/sql-guard.ts';
import { bindParams, originalOffset, SqlParamError } from './params.ts';
import type { CompiledSql, ParamValue, SqlDialect } from './params.ts';

export type SourceErrorCode =
  | 'SOURCE_SYNTAX'
  | 'SOURCE_QUERY'
  | 'SOURCE_TIMEOUT'
  | 'SOURCE_CANCELED'
  | 'SOURCE_PERMISSION'
  | 'SOURCE_READ_ONLY'
  | 'SOURCE_UNREACHABLE'
  | 'SOURCE_CONNECTION_REFUSED'
  | 'SOURCE_CONNECTION_RESET'
  | 'SOURCE_CONNECT_TIMEOUT'
  | 'SOURCE_HOST_NOT_FOUND'
  | 'SOURCE_AUTH'
  | 'SOURCE_NOT_FOUND'
  | 'SOURCE_RESULT_SHAPE'
  | 'SOURCE_PARAM'
  | 'SOURCE_REFUSED';

export type SourceErrorDetails = {
  asset?: string;
  /** 1-based line and column in the analyst's SQL, when the database pointed at a position. */
  line?: number;
  column?: number;
  /** What the database said, verbatim. */
  databaseMessage?: string;
  /** The database's own error code (SQLSTATE, MySQL error name, Node errno). */
  databaseCode?: string;
  /** Why the SQL guard refused the query before it reached the database. */
  guardCode?: SqlGuardCode;
};

export class SourceError extends Error {
  readonly code: SourceErrorCode;
  readonly transient: boolean;
  readonly details: SourceErrorDetails;
  constructor(code: SourceErrorCode, message: string, options: { transient?: boolean; details?: SourceErrorDetails; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'SourceError';
    this.code = code;
    this.transient = options.transient ?? false;
    this.details = options.details ?? {};
  }
}

export type ErrorContext = {
  /** The asset's name, e.g. 'index "recent_comments"'. */
  asset?: string;
  /** The analyst's SQL as written (with :name parameters). */
  sql?: string;
  /** The SQL sent to the database and how it maps back to the analyst's text. */
  compiled?: CompiledSql;
  /** Characters the runner put before the compiled SQL (e.g. `COPY (`), so positions can be mapped back. */
  prefixLength?: number;
};

// Node and driver codes meaning the connection could not be made or was lost: worth a retry. Each says which of
// the ways a connection fails it was, since each points at a different fix.
const NETWORK_CODES: Record<string, SourceErrorCode> = {
  ECONNREFUSED: 'SOURCE_CONNECTION_REFUSED',
  ECONNRESET: 'SOURCE_CONNECTION_RESET', EPIPE: 'SOURCE_CONNECTION_RESET', CONNECTION_CLOSED: 'SOURCE_CONNECTION_RESET',
  CONNECTION_ENDED: 'SOURCE_CONNECTION_RESET', CONNECTION_DESTROYED: 'SOURCE_CONNECTION_RESET', PROTOCOL_CONNECTION_LOST: 'SOURCE_CONNECTION_RESET',
  ETIMEDOUT: 'SOURCE_CONNECT_TIMEOUT', CONNECT_TIMEOUT: 'SOURCE_CONNECT_TIMEOUT', PROTOCOL_SEQUENCE_TIMEOUT: 'SOURCE_CONNECT_TIMEOUT',
  ENOTFOUND: 'SOURCE_HOST_NOT_FOUND', EAI_AGAIN: 'SOURCE_HOST_NOT_FOUND',
  EHOSTUNREACH: 'SOURCE_UNREACHABLE', ENETUNREACH: 'SOURCE_UNREACHABLE', ER_CON_COUNT_ERROR: 'SOURCE_UNREACHABLE', ER_SERVER_SHUTDOWN: 'SOURCE_UNREACHABLE',
};

const NETWORK_ADVICE: Partial<Record<SourceErrorCode, string>> = {
  SOURCE_CONNECTION_REFUSED: 'nothing accepts connections at that host and port; check both, and that the database server runs',
  SOURCE_CONNECTION_RESET: 'the server closed the connection; check that the port is the database\'s (not a web or other service) and that it allows Reef\'s address',
  SOURCE_CONNECT_TIMEOUT: 'no database answered in time; check host, port and firewalls, and that the port is the database\'s',
  SOURCE_HOST_NOT_FOUND: 'the host name does not resolve; check its spelling',
  SOURCE_UNREACHABLE: 'check host, port and network',
};

/** A connection that did not become ready in time (a driver's own timeout may not cover the startup). */
export function connectTimeout(host: string, port: number, ms: number): SourceError {
  return new SourceError(
    'SOURCE_CONNECT_TIMEOUT',
    `The source database could not be reached: nothing answered as a database at ${host}:${port} within ${ms / 1000} s; check host, port and firewalls, and that the port is the database's. Reef retries this automatically.`,
    { transient: true, details: { databaseCode: 'CONNECT_TIMEOUT' } },
  );
}

/** A connection the other side closed before the database session was up. */
export function connectionReset(host: string, port: number): SourceError {
  return new SourceError(
    'SOURCE_CONNECTION_RESET',
    `The source database could not be reached: ${host}:${port} accepted the connection and closed it before a database session started; ${NETWORK_ADVICE.SOURCE_CONNECTION_RESET}. Reef retries this automatically.`,
    { transient: true, details: { databaseCode: 'ECONNRESET' } },
  );
}

/** The operation was stopped through its abort signal (a canceled run); the statement on the source was canceled. */
export function canceledError(asset?: string): SourceError {
  return new SourceError('SOURCE_CANCELED', `The query${asset ? ` in ${asset}` : ''} was canceled on the source database because its run was canceled.`, {
    details: { asset },
  });
}

/** The time-limit error, for a statement the source cut short without saying so (MariaDB's BENCHMARK). */
export function statementTimeout(asset?: string): SourceError {
  return new SourceError('SOURCE_TIMEOUT', timeoutMessage(asset ? ` in ${asset}` : ''), { details: { asset } });
}

const timeoutMessage = (where: string) =>
  `The query${where} ran longer than the statement timeout and was cancelled. Make it cheaper (filter, index, partition) or raise the timeout.`;

/**
 * An error thrown by a caller's callback (e.g. the materializer consuming a stream): the source rethrows the
 * original error as it is instead of translating it as a database error.
 */
export class CallbackFailure {
  readonly error: unknown;
  constructor(error: unknown) {
    this.error = error;
  }
}

export async function runCallback<T>(callback: () => Promise<T>): Promise<T> {
  try {
    return await callback();
  } catch (error) {
    throw new CallbackFailure(error);
  }
}

/** The error to report for a failure inside a source operation. */
export function sourceFailure(error: unknown, context: ErrorContext): unknown {
  return error instanceof CallbackFailure ? error.error : translateSourceError(error, context);
}

/** Refuses SQL that is not one read-only SELECT before it reaches the database (SOURCE_REFUSED / SOURCE_SYNTAX). */
export async function assertSourceSql(sql: string, dialect: SqlDialect, asset?: string): Promise<void> {
  const check = await checkSourceSql(sql, dialect);
  if (check.ok) return;
  const code = check.code === 'SQL_SYNTAX' ? 'SOURCE_SYNTAX' : 'SOURCE_REFUSED';
  const where = asset ? `${asset}: ` : '';
  throw new SourceError(code, `${where}${check.message}`, { details: { asset, guardCode: check.code } });
}

/** Orders the template parameter values for a compiled query; a missing or unusable value is SOURCE_PARAM. */
export function bindValues(compiled: CompiledSql, params: Record<string, unknown>, asset?: string): ParamValue[] {
  try {
    return bindParams(compiled, params);
  } catch (error) {
    if (error instanceof SqlParamError) throw new SourceError('SOURCE_PARAM', error.message, { details: { asset } });
    throw error;
  }
}

/** Turns any error raised while talking to a source into a SourceError; SourceErrors pass through unchanged. */
export function translateSourceError(error: unknown, context: ErrorContext = {}): SourceError {
  if (error instanceof SourceError) return error;
  const e = (error ?? {}) as {
    code?: string | number;
    message?: string;
    position?: string | number;
    sqlMessage?: string;
    severity?: string;
    errno?: number;
  };
  // mysql2 names MySQL's errors, not MariaDB's own: MariaDB's max_statement_time error (1969) comes without a code.
  const code = e.code === undefined ? MYSQL_ERRNO_CODES[e.errno ?? -1] : String(e.code);
  const said = e.sqlMessage ?? e.message ?? String(error);
  const where = context.asset ? ` in ${context.asset}` : '';
  const position = locate(e, said, context);
  const at = position.line ? ` (line ${position.line}, column ${position.column})` : '';
  const details: SourceErrorDetails = { asset: context.asset, ...position, databaseMessage: said, databaseCode: code };
  const make = (c: SourceErrorCode, message: string, transient = false) =>
    new SourceError(c, message, { transient, details, cause: error });

  const network = code && Object.hasOwn(NETWORK_CODES, code) ? NETWORK_CODES[code] : undefined;
  if (network) {
    return make(network, `The source database could not be reached${where}: ${said}; ${NETWORK_ADVICE[network]}. Reef retries this automatically.`, true);
  }
  // A five-character SQLSTATE comes from PostgreSQL; MySQL codes are ER_* names; DuckDB errors carry no code.
  if (code && /^[0-9A-Z]{5}$/.test(code)) return translatePostgres(code, said, where, at, make);
  if (code?.startsWith('ER_')) return translateMysql(code, said, where, at, make);
  return translateDuckdb(said, where, at, make);
}

const MYSQL_ERRNO_CODES: Record<number, string> = { 1969: 'ER_STATEMENT_TIMEOUT', 3024: 'ER_QUERY_TIMEOUT' };

type Make = (code: SourceErrorCode, message: string, transient?: boolean) => SourceError;

function translatePostgres(code: string, said: string, where: string, at: string, make: Make): SourceError {
  const cls = code.slice(0, 2);
  if (code === '57014') return make('SOURCE_TIMEOUT', timeoutMessage(where));
  if (code === '25006') return make('SOURCE_READ_ONLY', `The query${where} tried to write; source queries run read-only. Keep only SELECTs: ${said}.`);
  if (code === '28P01' || code === '28000') return make('SOURCE_AUTH', `The source database refused the login${where}: ${said}. Check the connection's username and password.`);
  if (code === '42501') return make('SOURCE_PERMISSION', `The connection's user may not read what the query${where} asks for: ${said}. Grant SELECT to that user or query something else.`);
  if (code === '3D000') return make('SOURCE_NOT_FOUND', `The source database does not exist${where}: ${said}. Check the connection's database name.`);
  if (code === '42601') return make('SOURCE_SYNTAX', `Syntax error${where}${at}: ${said}. Fix the SQL and try again.`);
  if (code === '42P01' || code === '42703' || code === '42883' || code === '3F000') {
    return make('SOURCE_NOT_FOUND', `The query${where} refers to something the database does not have${at}: ${said}. Check the names against the connection's schema.`);
  }
  // Connection exceptions, shutdowns, too many connections, serialization failures and deadlocks pass with a retry.
  if (cls === '08' || cls === '57' || code === '53300' || code === '40001' || code === '40P01') {
    return make('SOURCE_UNREACHABLE', `The source database dropped the query${where}: ${said}. Reef retries this automatically.`, true);
  }
  if (cls === '53') return make('SOURCE_QUERY', `The source database ran out of resources${where}: ${said}. Try again later or make the query cheaper.`, true);
  return make('SOURCE_QUERY', `The source database rejected the query${where}${at}: ${said}.`);
}

function translateMysql(code: string, said: string, where: string, at: string, make: Make): SourceError {
  if (code === 'ER_STATEMENT_TIMEOUT' || code === 'ER_QUERY_TIMEOUT' || code === 'ER_QUERY_INTERRUPTED') {
    return make('SOURCE_TIMEOUT', timeoutMessage(where));
  }
  if (code === 'ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION') return make('SOURCE_READ_ONLY', `The query${where} tried to write; source queries run read-only. Keep only SELECTs: ${said}.`);
  if (code === 'ER_ACCESS_DENIED_ERROR' || code === 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR' || code === 'ER_NOT_SUPPORTED_AUTH_MODE') {
    return make('SOURCE_AUTH', `The source database refused the login${where}: ${said}. Check the connection's username and password.`);
  }
  if (code === 'ER_DBACCESS_DENIED_ERROR' || code === 'ER_TABLEACCESS_DENIED_ERROR' || code === 'ER_COLUMNACCESS_DENIED_ERROR' || code === 'ER_SPECIFIC_ACCESS_DENIED_ERROR') {
    return make('SOURCE_PERMISSION', `The connection's user may not read what the query${where} asks for: ${said}. Grant SELECT to that user or query something else.`);
  }
  if (code === 'ER_PARSE_ERROR' || code === 'ER_SYNTAX_ERROR') return make('SOURCE_SYNTAX', `Syntax error${where}${at}: ${said}. Fix the SQL and try again.`);
  if (code === 'ER_BAD_DB_ERROR') return make('SOURCE_NOT_FOUND', `The source database does not exist${where}: ${said}. Check the connection's database name.`);
  if (code === 'ER_NO_SUCH_TABLE' || code === 'ER_BAD_FIELD_ERROR' || code === 'ER_SP_DOES_NOT_EXIST') {
    return make('SOURCE_NOT_FOUND', `The query${where} refers to something the database does not have: ${said}. Check the names against the connection's schema.`);
  }
  if (code === 'ER_LOCK_DEADLOCK' || code === 'ER_LOCK_WAIT_TIMEOUT') return make('SOURCE_UNREACHABLE', `The source database dropped the query${where}: ${said}. Reef retries this automatically.`, true);
  return make('SOURCE_QUERY', `The source database rejected the query${where}${at}: ${said}.`);
}

function translateDuckdb(said: string, where: string, at: string, make: Make): SourceError {
  if (/INTERRUPT/i.test(said)) return make('SOURCE_TIMEOUT', `The query${where} ran longer than the statement timeout and was cancelled. Make it cheaper or raise the timeout.`);
  if (/Parser Error/i.test(said)) return make('SOURCE_SYNTAX', `Syntax error${where}${at}: ${said}. Fix the SQL and try again.`);
  if (/Catalog Error|Binder Error/i.test(said)) return make('SOURCE_NOT_FOUND', `The query${where} refers to something the files do not have${at}: ${said}. Check the names against the connection's schema.`);
  if (/Permission Error/i.test(said)) return make('SOURCE_PERMISSION', `The query${where} tried to reach a file or setting it may not: ${said}. Query the connection's tables by name.`);
  return make('SOURCE_QUERY', `The query${where} failed${at}: ${said}.`);
}

/** Finds the 1-based line and column in the analyst's SQL that the database pointed at, if it did. */
function locate(
  e: { position?: string | number },
  said: string,
  context: ErrorContext,
): { line?: number; column?: number } {
  if (!context.sql) return {};
  // PostgreSQL: a 1-based character position in the text it was sent.
  if (e.position !== undefined && e.position !== '') {
    const sent = Number(e.position) - 1 - (context.prefixLength ?? 0);
    if (sent < 0) return {};
    const offset = context.compiled ? originalOffset(context.compiled, sent) : sent;
    return lineAndColumn(context.sql, offset);
  }
  // MySQL: "... near 'FROM x' at line 2"; find the quoted text on that line.
  const mysql = /near '([\s\S]*?)' at line (\d+)/.exec(said);
  if (mysql) {
    const line = Number(mysql[2]);
    const text = context.sql.split('\n')[line - 1] ?? '';
    const near = mysql[1].split('\n')[0];
    const index = near ? text.indexOf(near) : -1;
    return { line, column: index >= 0 ? index + 1 : 1 };
  }
  // DuckDB: "LINE 2: ..." in its message.
  const duck = /LINE (\d+):/.exec(said);
  if (duck) return { line: Number(duck[1]), column: 1 };
  return {};
}

function lineAndColumn(sql: string, offset: number): { line: number; column: number } {
  const before = sql.slice(0, Math.min(offset, sql.length));
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}
