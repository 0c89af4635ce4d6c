// Source database connections. The password is sealed with AES-GCM under REEF_SECRET on the way in and never
// leaves the server again: responses say only `has_password`.
import { createRoute, z } from '@hono/zod-openapi';
import { sql } from 'drizzle-orm';
import {
  Connection, ConnectionCreate, ConnectionTestResult, ConnectionUpdate, connectionHostIssue, loginOf, type ConnectionType,
} from '../../shared/schema/connection.ts';
import type { Db } from '../db/client.ts';
import { rawRows } from '../db/raw-rows.ts';
import type { AppDeps } from '../env.ts';
import { ApiError } from '../errors.ts';
import { createRouter, errors, iso, json, jsonBody, secured } from '../router.ts';
import type { Principal } from '../security/principal.ts';
import { hasRole } from '../security/auth.ts';
import { openSecret, sealSecret } from '../security/secrets.ts';
import { checkSourceSql } from '../security/sql-guard.ts';
import { sourceForConnection } from '../sources/from-connection.ts';
import { SourceError } from '../sources/errors.ts';
import { dialectOf, POSTGRES_IDENTITY } from '../sources/index.ts';
import type { SqlDialect } from '../sources/params.ts';
import { writerRoleMessage, type WriterPrivilege } from '../sources/writer-role.ts';

export const ConnectionParams = z.object({ conn_id: z.uuid({ message: 'conn_id must be a connection id (UUID)' }) });

import {
  connectionUsers, deleteConnection, findConnection, insertConnection, listConnections, loadConnection, updateConnection,
  type ConnectionRow,
} from '../data/connections.ts';


function toConnection(row: ConnectionRow): Connection {
  return {
    conn_id: row.id, name: row.name, connection_type: row.connectionType as ConnectionType,
    host: row.host, port: row.port, database: row.database, username: row.username,
    has_password: row.encryptedPassword != null,
    trusted_writer_role: row.trustedWriterRole,
    trusted_writer_role_by: row.trustedWriterRoleBy, trusted_writer_role_at: iso(row.trustedWriterRoleAt),
    statement_timeout_s: row.statementTimeoutS,
    created_at: iso(row.createdAt)!, updated_at: iso(row.updatedAt)!,
  };
}


// A test answers within 10 s whatever listens at the port: 5 s to connect, the rest for the checks.
const TEST_CONNECT_TIMEOUT_MS = 5_000;
// A server that completes the login and then never answers a query (a stalled or fake database) meets this deadline.
const TEST_DEADLINE_MS = 9_500;

/** `work`, or a SOURCE_CONNECT_TIMEOUT once the test has taken TEST_DEADLINE_MS. */
async function withinTestDeadline<T>(row: ConnectionRow, work: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SourceError('SOURCE_CONNECT_TIMEOUT',
      `The source database at ${row.host}:${row.port ?? (row.connectionType === 'mysql' ? 3306 : 5432)} accepted the login but did not answer the connection test within ${TEST_DEADLINE_MS / 1000} s; check that the port is the database's and that the server is not overloaded or locked.`,
      { transient: true, details: { databaseCode: 'CONNECT_TIMEOUT' } })), TEST_DEADLINE_MS);
  });
  // The abandoned test ends on its own: its statement timeout, or the socket closing.
  work.catch(() => {});
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

const reefDatabaseError = (how: string) => new ApiError(400, 'CONNECTION_IS_REEF_DATABASE',
  `This connection ${how} Reef's own database, which holds its tokens and sealed passwords; point it at the database your data is in.`);

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);
const sameHost = (a: string, b: string) => a.toLowerCase() === b.toLowerCase() || (LOOPBACK.has(a.toLowerCase()) && LOOPBACK.has(b.toLowerCase()));

/** Whether a PostgreSQL connection names the host, port and database of Reef's DATABASE_URL. */
function addressesReefDatabase(row: Pick<ConnectionRow, 'connectionType' | 'host' | 'port' | 'database'>, databaseUrl?: string): boolean {
  if (row.connectionType !== 'postgresql' || !databaseUrl || !row.host) return false;
  let reef: URL;
  try {
    reef = new URL(databaseUrl);
  } catch {
    return false;
  }
  const reefDatabase = decodeURIComponent(reef.pathname.slice(1)) || decodeURIComponent(reef.username) || 'postgres';
  return sameHost(row.host, reef.hostname) && (row.port ?? 5432) === Number(reef.port || 5432) && (row.database ?? '') === reefDatabase;
}

/** Reef's own database by the identity a PostgreSQL source reports (see Source.testConnection), if it has one. */
async function reefIdentity(db: Db): Promise<string | undefined> {
  try {
    const [row] = await rawRows<{ identity: string | null }>(db, sql.raw(`select ${POSTGRES_IDENTITY} as identity`));
    return row?.identity ?? undefined;
  } catch {
    return undefined;
  }
}

type Checked = { serverVersion: string } | { error: Error };

const roleCanWriteError = (row: ConnectionRow, privileges: WriterPrivilege[]) =>
  new ApiError(400, 'CONNECTION_ROLE_CAN_WRITE', writerRoleMessage(row.username ?? '', privileges), { privileges: privileges.slice(0, 100) });

/**
 * Connects through the same source code a materialization uses (read-only transaction, limits, one error
 * translator), refuses Reef's own database, by address and by identity, whatever host name reaches it, and refuses
 * a login that can write to its source (writer-role.ts) unless an admin marked the connection trusted.
 */
async function checkConnection(row: ConnectionRow, deps: AppDeps): Promise<Checked> {
  if (addressesReefDatabase(row, deps.databaseUrl)) throw reefDatabaseError('names the host, port and database of');
  try {
    const source = await sourceForConnection(row, deps, { connectTimeoutMs: TEST_CONNECT_TIMEOUT_MS });
    const { serverVersion, identity, writerPrivileges } = await withinTestDeadline(row, source.testConnection({ writerCheck: !row.trustedWriterRole }));
    if (identity !== undefined && identity === (await reefIdentity(deps.db))) throw reefDatabaseError('reaches');
    if (writerPrivileges && writerPrivileges.length > 0) throw roleCanWriteError(row, writerPrivileges);
    return { serverVersion };
  } catch (error) {
    if (error instanceof ApiError) throw error;
    return { error: error as Error };
  }
}

/**
 * Refuses (400) saving a connection that reaches Reef's own database or whose login can write to its source; a
 * source that cannot be reached yet is saved (its test and every later save check again).
 */
async function checkBeforeSave(row: ConnectionRow, deps: AppDeps): Promise<void> {
  if (row.connectionType === 'files') return;
  await checkConnection(row, deps);
}

/** A connection that tests ok is one a run can read from. A failure is an answer with a code, not an error. */
async function testConnection(row: ConnectionRow, deps: AppDeps): Promise<ConnectionTestResult> {
  const started = performance.now();
  const answer = (ok: boolean, message: string, code?: string) => ({ ok, message, ...(code ? { code } : {}), latency_ms: Math.round(performance.now() - started) });
  if (row.encryptedPassword != null && !(await canOpenSecret(row.encryptedPassword, deps.secret))) {
    return answer(false, 'The stored password cannot be decrypted with this server\'s REEF_SECRET (was it changed?); set the password again.', 'SECRET_MISMATCH');
  }
  try {
    const checked = await checkConnection(row, deps);
    if ('serverVersion' in checked) return answer(true, `Connected to ${checked.serverVersion}.`);
    const code = (checked.error as { code?: unknown }).code;
    return answer(false, checked.error.message, typeof code === 'string' ? code : undefined);
  } catch (error) {
    if (error instanceof ApiError) {
      const privileges = (error.details as { privileges?: WriterPrivilege[] } | undefined)?.privileges;
      return { ...answer(false, error.message, error.code), ...(privileges ? { privileges } : {}) };
    }
    throw error;
  }
}

async function canOpenSecret(sealed: string, secret: string): Promise<boolean> {
  try {
    await openSecret(sealed, secret);
    return true;
  } catch {
    return false;
  }
}

// What a login and its target are: on a trusted connection only an admin may change them, since the trust was given
// to that login on that database.
const TARGET_FIELDS = ['connection_type', 'host', 'port', 'database', 'username', 'user'] as const;

const adminOnly = (message: string) => new ApiError(403, 'TRUSTED_WRITER_ROLE_ADMIN_ONLY', message);

/** The trusted_writer_role columns for a change of the flag by `principal`, who must be an admin. */
function trustChange(principal: Principal, trusted: boolean) {
  if (!hasRole(principal, 'admin')) {
    throw adminOnly(`Only an admin may ${trusted ? 'set' : 'clear'} trusted_writer_role (your token has ${principal.role}); ask an admin, or use a login that can only read.`);
  }
  return trusted
    ? { trustedWriterRole: true, trustedWriterRoleBy: principal.name, trustedWriterRoleAt: new Date() }
    : { trustedWriterRole: false, trustedWriterRoleBy: null, trustedWriterRoleAt: null };
}

/** The audit trail, once the change is stored: who vouched for (or withdrew trust in) a login that can write, where, when. */
function logTrustChange(principal: Principal, row: ConnectionRow): void {
  console.info(JSON.stringify({
    audit: 'connection.trusted_writer_role', trusted: row.trustedWriterRole, conn_id: row.id, connection: row.name,
    user: row.username, by: principal.name, token_id: principal.tokenId, role: principal.role, at: new Date().toISOString(),
  }));
}

const tags = ['connections'];
const create = createRoute({
  method: 'post', path: '/api/connections', tags, security: secured,
  request: jsonBody(ConnectionCreate),
  responses: { 201: json(Connection, 'The new connection (the password is stored encrypted, never returned)'), ...errors },
});
const list = createRoute({
  method: 'get', path: '/api/connections', tags, security: secured,
  responses: { 200: json(z.array(Connection), 'All connections'), ...errors },
});
const get = createRoute({
  method: 'get', path: '/api/connections/{conn_id}', tags, security: secured,
  request: { params: ConnectionParams },
  responses: { 200: json(Connection, 'The connection'), ...errors },
});
const update = createRoute({
  method: 'patch', path: '/api/connections/{conn_id}', tags, security: secured,
  request: { params: ConnectionParams, ...jsonBody(ConnectionUpdate) },
  responses: { 200: json(Connection, 'The updated connection'), ...errors },
});
const remove = createRoute({
  method: 'delete', path: '/api/connections/{conn_id}', tags, security: secured,
  request: { params: ConnectionParams },
  responses: { 204: { description: 'Deleted' }, ...errors },
});
const test = createRoute({
  method: 'post', path: '/api/connections/{conn_id}/test', tags, security: secured,
  request: { params: ConnectionParams },
  responses: { 200: json(ConnectionTestResult, 'Whether Reef can connect, and if not, why'), ...errors },
});

/** A connection may change its type only if every query reading from it is valid in the new dialect. */
async function checkUsersInDialect(db: Db, connId: string, connectionType: ConnectionType): Promise<void> {
  const dialect = dialectOf(connectionType);
  for (const user of await connectionUsers(db, connId)) {
    const check = await checkSourceSql(user.sql, dialect);
    if (!check.ok) {
      throw new ApiError(409, 'IN_USE',
        `The ${user.kind} "${user.name}" reads from this connection and its SQL is not valid ${dialect}: ${check.message} Change that query or its connection first.`,
        { [user.kind]: user.name, code: check.code });
    }
  }
}

export const connectionRoutes = () => createRouter()
  .openapi(create, async (c) => {
    const body = c.req.valid('json');
    const { db, secret } = c.var.deps;
    const trust = body.trusted_writer_role ? trustChange(c.var.principal, true)
      : { trustedWriterRole: false, trustedWriterRoleBy: null, trustedWriterRoleAt: null };
    const values = {
      name: body.name, connectionType: body.connection_type, host: body.host ?? null, port: body.port ?? null,
      database: body.database ?? null, username: loginOf(body) ?? null,
      encryptedPassword: body.password === undefined ? null : await sealSecret(body.password, secret),
      statementTimeoutS: body.statement_timeout_s ?? 900, ...trust,
    };
    await checkBeforeSave({ id: crypto.randomUUID(), options: {}, createdAt: new Date(), updatedAt: new Date(), ...values }, c.var.deps);
    const row = await insertConnection(db, values);
    if (row.trustedWriterRole) logTrustChange(c.var.principal, row);
    return c.json(toConnection(row), 201);
  })
  .openapi(list, async (c) => {
    const rows = await listConnections(c.var.deps.db);
    return c.json(rows.map(toConnection), 200);
  })
  .openapi(get, async (c) => c.json(toConnection(await loadConnection(c.var.deps.db, c.req.valid('param').conn_id)), 200))
  .openapi(update, async (c) => {
    const { conn_id } = c.req.valid('param');
    const body = c.req.valid('json');
    const { db, secret } = c.var.deps;
    const row = await loadConnection(db, conn_id);
    const issue = connectionHostIssue({
      connection_type: body.connection_type ?? (row.connectionType as ConnectionType),
      host: body.host === undefined ? row.host : body.host,
    });
    if (issue) throw new ApiError(400, 'VALIDATION_FAILED', `host: ${issue}`, { issues: [{ path: 'host', message: issue }] });
    if (body.connection_type && body.connection_type !== row.connectionType) await checkUsersInDialect(db, conn_id, body.connection_type);
    const principal = c.var.principal;
    const trust = body.trusted_writer_role !== undefined && body.trusted_writer_role !== row.trustedWriterRole
      ? trustChange(principal, body.trusted_writer_role) : {};
    const trustedAfter = body.trusted_writer_role ?? row.trustedWriterRole;
    if (trustedAfter && !hasRole(principal, 'admin') && TARGET_FIELDS.some((f) => body[f] !== undefined)) {
      throw adminOnly(`An admin marked this connection trusted_writer_role, for its login on its database; only an admin may change its ${TARGET_FIELDS.filter((f) => f !== 'user').join(', ')} (your token has ${principal.role}).`);
    }
    const encryptedPassword = body.password == null ? body.password : await sealSecret(body.password, secret);
    const changes = {
      name: body.name, connectionType: body.connection_type, host: body.host, port: body.port,
      database: body.database, username: loginOf(body), encryptedPassword, statementTimeoutS: body.statement_timeout_s, ...trust,
    };
    const defined = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
    await checkBeforeSave({ ...row, ...defined }, c.var.deps);
    const updated = await updateConnection(db, conn_id, changes);
    if ('trustedWriterRole' in trust) logTrustChange(principal, updated);
    return c.json(toConnection(updated), 200);
  })
  .openapi(remove, async (c) => {
    const { conn_id } = c.req.valid('param');
    const db = c.var.deps.db;
    const row = await loadConnection(db, conn_id);
    const users = await connectionUsers(db, conn_id);
    if (users.length > 0) {
      const named = users.map((u) => `${u.kind} "${u.name}"`).join(', ');
      throw new ApiError(409, 'IN_USE', `Connection "${row.name}" is used by ${named}; delete those or point them at another connection first.`, {
        indexes: users.filter((u) => u.kind === 'index').map((u) => u.name),
        rules: users.filter((u) => u.kind === 'rule').map((u) => u.name),
      });
    }
    // The foreign key (on delete restrict) still refuses if an index was added since the check: that too answers 409.
    await deleteConnection(db, conn_id);
    return c.body(null, 204);
  })
  .openapi(test, async (c) => {
    const row = await loadConnection(c.var.deps.db, c.req.valid('param').conn_id);
    return c.json(await testConnection(row, c.var.deps), 200);
  });
