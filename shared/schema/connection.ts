import { z } from 'zod';
import { Name } from './common.ts';

export const ConnectionType = z.enum(['postgresql', 'mysql', 'files']);
export type ConnectionType = z.infer<typeof ConnectionType>;

const connectionFields = {
  name: Name,
  connection_type: ConnectionType,
  host: z.string().trim().max(255).optional(),
  port: z.number().int().min(1).max(65_535).optional(),
  database: z.string().max(255).optional(),
  username: z.string().max(255).optional(),
  /** The seed's name for `username`; give one or the other. */
  user: z.string().max(255).optional(),
  /** Write-only: stored encrypted, never returned. */
  password: z.string().max(4096).optional(),
  /**
   * Admin only: the login may write (superuser, INSERT/UPDATE/DELETE grants, dblink, FILE…) and an admin accepts
   * that; Reef then skips its writer-role check. Source queries still run read-only and rolled back.
   */
  trusted_writer_role: z.boolean().optional(),
  /** How long one materialization query may run on this source, in seconds (previews: at most 30 s). Default 900. */
  statement_timeout_s: z.number().int().min(1).max(86_400).optional(),
};

/** A database source needs a host to reach; a files source reads the object store and needs none. */
export function connectionHostIssue(c: { connection_type: ConnectionType; host?: string | null }): string | undefined {
  return c.connection_type !== 'files' && !c.host ? `a ${c.connection_type} connection needs a host` : undefined;
}

/** Two names for the login (the seed's `user`, Reef's `username`) must not disagree. */
function userIssue(c: { user?: string | null; username?: string | null }): string | undefined {
  return c.user != null && c.username != null && c.user !== c.username
    ? `user ("${c.user}") and username ("${c.username}") name the same login; send one of them` : undefined;
}

/** The login a body names, under either name. */
export const loginOf = (c: { user?: string | null; username?: string | null }) => c.username ?? c.user;

// Strict: a field Reef does not know (`usr`, `passwd`) is a 400 that names it, never silently dropped.
export const ConnectionCreate = z.strictObject(connectionFields).superRefine((c, ctx) => {
  const issue = connectionHostIssue(c);
  if (issue) ctx.addIssue({ code: 'custom', path: ['host'], message: issue });
  const user = userIssue(c);
  if (user) ctx.addIssue({ code: 'custom', path: ['user'], message: user });
});
export type ConnectionCreate = z.infer<typeof ConnectionCreate>;

/** Any field may change; `password: null` removes the stored password, leaving it out keeps it. */
export const ConnectionUpdate = z.strictObject({
  ...connectionFields,
  host: connectionFields.host.unwrap().nullable(),
  port: connectionFields.port.unwrap().nullable(),
  database: connectionFields.database.unwrap().nullable(),
  username: connectionFields.username.unwrap().nullable(),
  user: connectionFields.user.unwrap().nullable(),
  password: connectionFields.password.unwrap().nullable(),
  statement_timeout_s: connectionFields.statement_timeout_s.unwrap(),
}).partial().superRefine((c, ctx) => {
  const user = userIssue(c);
  if (user) ctx.addIssue({ code: 'custom', path: ['user'], message: user });
});
export type ConnectionUpdate = z.infer<typeof ConnectionUpdate>;

export const Connection = z.object({
  conn_id: z.string(),
  name: z.string(),
  connection_type: ConnectionType,
  host: z.string().nullable(),
  port: z.number().nullable(),
  database: z.string().nullable(),
  username: z.string().nullable(),
  /** Whether a password is stored; the password itself never leaves the server. */
  has_password: z.boolean(),
  /** An admin marked the login as allowed to write; the writer-role check is skipped (see ConnectionCreate). */
  trusted_writer_role: z.boolean(),
  /** Who marked it trusted, and when; null when it is not. */
  trusted_writer_role_by: z.string().nullable(),
  trusted_writer_role_at: z.string().nullable(),
  /** Statement timeout for materialization queries, seconds (previews: at most 30 s). */
  statement_timeout_s: z.number(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type Connection = z.infer<typeof Connection>;

export const ConnectionTestResult = z.object({
  ok: z.boolean(),
  /** What happened, in words an analyst can act on ("connection refused at db:5433 — check host and port"). */
  message: z.string(),
  /**
   * Why it failed, for programs: SOURCE_CONNECTION_REFUSED, SOURCE_CONNECTION_RESET, SOURCE_CONNECT_TIMEOUT,
   * SOURCE_HOST_NOT_FOUND, SOURCE_AUTH, CONNECTION_ROLE_CAN_WRITE, …
   */
  code: z.string().optional(),
  latency_ms: z.number(),
  /** For CONNECTION_ROLE_CAN_WRITE: each privilege that lets the login write, and the statement that removes it. */
  privileges: z.array(z.object({ privilege: z.string(), object: z.string(), revoke: z.string() })).optional(),
});
export type ConnectionTestResult = z.infer<typeof ConnectionTestResult>;

/** GET /api/connections/{conn_id}/schema: the tables and columns the connection can read (the SQL editor completes them). */
export const SourceTables = z.array(z.object({ schema: z.string(), name: z.string(), columns: z.array(z.object({ name: z.string(), type: z.string() })) }));
export type SourceTables = z.infer<typeof SourceTables>;

/** A preview's column: its Reef type and the source's own type name. */
export const PreviewColumn = z.object({ name: z.string(), type: z.string(), source_type: z.string() });
/** The first rows of a query on a connection, as the preview routes answer. */
export const QueryPreview = z.object({ columns: z.array(PreviewColumn), rows: z.array(z.record(z.string(), z.unknown())), limit: z.number() });
export type QueryPreview = z.infer<typeof QueryPreview>;
