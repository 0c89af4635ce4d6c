// Source database connections. The password is sealed with AES-GCM under REEF_SECRET on the way in and never
// leaves the server again: responses say only `has_password`.
import { createRoute, z } from '@hono/zod-openapi';
import { asc, eq } from 'drizzle-orm';
import {
  Connection, ConnectionCreate, ConnectionTestResult, ConnectionUpdate, connectionHostIssue, type ConnectionType,
} from '../../shared/schema/connection.ts';
import type { Db } from '../db/client.ts';
import { conceptIndexes, conceptRules, databaseConnections } from '../db/schema.ts';
import { ApiError, notFound } from '../errors.ts';
import { createRouter, errors, iso, json, jsonBody, secured } from '../router.ts';
import { openSecret, sealSecret } from '../security/secrets.ts';

export const ConnectionParams = z.object({ conn_id: z.uuid({ message: 'conn_id must be a connection id (UUID)' }) });

type ConnectionRow = typeof databaseConnections.$inferSelect;

function toConnection(row: ConnectionRow): Connection {
  return {
    conn_id: row.id, name: row.name, connection_type: row.connectionType as ConnectionType,
    host: row.host, port: row.port, database: row.database, username: row.username,
    has_password: row.encryptedPassword != null,
    created_at: iso(row.createdAt)!, updated_at: iso(row.updatedAt)!,
  };
}

export async function findConnection(db: Db, connId: string): Promise<ConnectionRow | undefined> {
  const [row] = await db.select().from(databaseConnections).where(eq(databaseConnections.id, connId));
  return row;
}

async function loadConnection(db: Db, connId: string): Promise<ConnectionRow> {
  const row = await findConnection(db, connId);
  if (!row) throw notFound('connection', connId);
  return row;
}

/** How long a connection test waits for the server before it reports "no answer". */
const CONNECT_TIMEOUT_SECONDS = 5;

interface ConnectTarget {
  connectionType: ConnectionType;
  host: string | null;
  port: number | null;
  database: string | null;
  username: string | null;
  password: string | undefined;
}

/** Connects, runs `select 1`, disconnects; a failure is an answer (`ok: false`), not an error. */
async function testConnection(target: ConnectTarget): Promise<ConnectionTestResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  if (target.connectionType === 'files') {
    return { ok: true, message: 'Files are read from the object store Reef is configured with.', latency_ms: elapsed() };
  }
  const defaultPort = target.connectionType === 'postgresql' ? 5432 : 3306;
  const where = `${target.host}:${target.port ?? defaultPort}`;
  try {
    if (target.connectionType === 'postgresql') await selectOnePostgres(target);
    else await selectOneMysql(target);
    return { ok: true, message: `Connected to ${target.connectionType} at ${where}.`, latency_ms: elapsed() };
  } catch (error) {
    return { ok: false, message: describeConnectError(error, where), latency_ms: elapsed() };
  }
}

async function selectOnePostgres(target: ConnectTarget): Promise<void> {
  const { default: postgres } = await import('postgres');
  const sql = postgres({
    host: target.host ?? undefined, port: target.port ?? undefined, database: target.database ?? undefined,
    username: target.username ?? undefined, password: target.password,
    max: 1, connect_timeout: CONNECT_TIMEOUT_SECONDS, onnotice: () => {},
  });
  try {
    await sql`select 1`;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

async function selectOneMysql(target: ConnectTarget): Promise<void> {
  const { default: mysql } = await import('mysql2/promise');
  const connection = await mysql.createConnection({
    host: target.host ?? undefined, port: target.port ?? undefined, database: target.database ?? undefined,
    user: target.username ?? undefined, password: target.password, connectTimeout: CONNECT_TIMEOUT_SECONDS * 1000,
  });
  try {
    await connection.query('select 1');
  } finally {
    await connection.end();
  }
}

/** The drivers' connect errors (postgres.js, mysql2, Node sockets), told as what to check. */
function describeConnectError(error: unknown, where: string): string {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  switch (code) {
    case 'ECONNREFUSED':
      return `Nothing is listening at ${where} (connection refused); check the host and port.`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `The host of ${where} was not found; check the host name.`;
    case 'CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
      return `No answer from ${where} within ${CONNECT_TIMEOUT_SECONDS} s; check the host, the port and any firewall between.`;
    case '28P01':
    case '28000':
    case 'ER_ACCESS_DENIED_ERROR':
    case 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR':
      return `The server at ${where} refused the login (${message}); check the username and password.`;
    case '3D000':
    case 'ER_BAD_DB_ERROR':
      return `The server at ${where} has no such database (${message}); check the database name.`;
    default:
      return `Could not connect to ${where}: ${message}.`;
  }
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

/** The indexes and rules that read from a connection, by name. */
async function connectionUsers(db: Db, connId: string) {
  const [indexes, rules] = await Promise.all([
    db.select({ name: conceptIndexes.name }).from(conceptIndexes).where(eq(conceptIndexes.connId, connId)),
    db.select({ name: conceptRules.name }).from(conceptRules).where(eq(conceptRules.connId, connId)),
  ]);
  return { indexes: indexes.map((r) => r.name), rules: rules.map((r) => r.name) };
}

export const connectionRoutes = () => createRouter()
  .openapi(create, async (c) => {
    const body = c.req.valid('json');
    const { db, secret } = c.var.deps;
    const [row] = await db.insert(databaseConnections).values({
      name: body.name, connectionType: body.connection_type, host: body.host, port: body.port,
      database: body.database, username: body.username,
      encryptedPassword: body.password === undefined ? null : await sealSecret(body.password, secret),
    }).returning();
    return c.json(toConnection(row!), 201);
  })
  .openapi(list, async (c) => {
    const rows = await c.var.deps.db.select().from(databaseConnections).orderBy(asc(databaseConnections.createdAt), asc(databaseConnections.name));
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
    const encryptedPassword = body.password == null ? body.password : await sealSecret(body.password, secret);
    const [updated] = await db.update(databaseConnections).set({
      name: body.name, connectionType: body.connection_type, host: body.host, port: body.port,
      database: body.database, username: body.username, encryptedPassword, updatedAt: new Date(),
    }).where(eq(databaseConnections.id, conn_id)).returning();
    return c.json(toConnection(updated!), 200);
  })
  .openapi(remove, async (c) => {
    const { conn_id } = c.req.valid('param');
    const db = c.var.deps.db;
    const row = await loadConnection(db, conn_id);
    const users = await connectionUsers(db, conn_id);
    if (users.indexes.length + users.rules.length > 0) {
      const named = [...users.indexes.map((n) => `index "${n}"`), ...users.rules.map((n) => `rule "${n}"`)].join(', ');
      throw new ApiError(409, 'IN_USE', `Connection "${row.name}" is used by ${named}; delete those or point them at another connection first.`, users);
    }
    // The foreign key (on delete restrict) still refuses if an index was added since the check: that too answers 409.
    await db.delete(databaseConnections).where(eq(databaseConnections.id, conn_id));
    return c.body(null, 204);
  })
  .openapi(test, async (c) => {
    const { db, secret } = c.var.deps;
    const row = await loadConnection(db, c.req.valid('param').conn_id);
    let password: string | undefined;
    if (row.encryptedPassword != null) {
      try {
        password = await openSecret(row.encryptedPassword, secret);
      } catch {
        return c.json({
          ok: false, latency_ms: 0,
          message: 'The stored password cannot be decrypted with this server\'s REEF_SECRET (was it changed?); set the password again.',
        }, 200);
      }
    }
    return c.json(await testConnection({
      connectionType: row.connectionType as ConnectionType, host: row.host, port: row.port,
      database: row.database, username: row.username, password,
    }), 200);
  });
