import { z } from 'zod';
import { Name } from './common.ts';

export const ConnectionType = z.enum(['postgresql', 'mysql', 'files']);

const connectionFields = {
  name: Name,
  connection_type: ConnectionType,
  host: z.string().max(255).optional(),
  port: z.number().int().min(1).max(65_535).optional(),
  database: z.string().max(255).optional(),
  username: z.string().max(255).optional(),
  /** Write-only: stored encrypted, never returned. */
  password: z.string().max(4096).optional(),
};

export const ConnectionCreate = z.object(connectionFields).superRefine((c, ctx) => {
  if (c.connection_type !== 'files' && !c.host) {
    ctx.addIssue({ code: 'custom', path: ['host'], message: `a ${c.connection_type} connection needs a host` });
  }
});
export const ConnectionUpdate = z.object(connectionFields).partial();

export const Connection = z.object({
  conn_id: z.string(),
  name: z.string(),
  connection_type: ConnectionType,
  host: z.string().nullable(),
  port: z.number().nullable(),
  database: z.string().nullable(),
  username: z.string().nullable(),
  has_password: z.boolean(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type Connection = z.infer<typeof Connection>;

export const ConnectionTestResult = z.object({ ok: z.boolean(), message: z.string(), latency_ms: z.number().optional() });
