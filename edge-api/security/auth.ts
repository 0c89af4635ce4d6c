// Every /api call carries a bearer token; roles are ordered viewer < analyst < approver < admin.
import { createMiddleware } from 'hono/factory';
import type { Role } from '../../shared/schema/common.ts';
import { findActiveToken } from '../data/api-tokens.ts';
import type { Db } from '../db/client.ts';
import { ApiError } from '../errors.ts';
import type { AppEnv } from '../env.ts';
import type { Principal } from './principal.ts';
import { hashToken } from './secrets.ts';

const rank: Record<Role, number> = { viewer: 0, analyst: 1, approver: 2, admin: 3 };


export async function findPrincipal(db: Db, token: string): Promise<Principal | undefined> {
  const row = await findActiveToken(db, await hashToken(token));
  return row && { tokenId: row.id, name: row.name, role: row.role as Role };
}

export const requireToken = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header('Authorization') ?? '';
  const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
  if (!token) throw new ApiError(401, 'UNAUTHORIZED', 'Send your API token as "Authorization: Bearer <token>" (npm start prints one).');
  const principal = await c.var.reads.principals.get(token, () => findPrincipal(c.var.deps.db, token), Boolean);
  if (!principal) throw new ApiError(401, 'UNAUTHORIZED', 'That token is not valid (revoked or mistyped); ask an admin for a new one.');
  c.set('principal', principal);
  await next();
});

export function hasRole(principal: Principal, needed: Role): boolean {
  return rank[principal.role] >= rank[needed];
}

/** Reads need viewer; writes need analyst unless a route asks for more. */
export const requireRole = (needed: Role) => createMiddleware<AppEnv>(async (c, next) => {
  if (!hasRole(c.var.principal, needed)) {
    throw new ApiError(403, 'FORBIDDEN', `This needs the ${needed} role; your token has ${c.var.principal.role}.`);
  }
  await next();
});

export const requireWriteRole = createMiddleware<AppEnv>(async (c, next) => {
  const needed: Role = c.req.method === 'GET' || c.req.method === 'HEAD' ? 'viewer' : 'analyst';
  if (!hasRole(c.var.principal, needed)) {
    throw new ApiError(403, 'FORBIDDEN', `This needs the ${needed} role; your token has ${c.var.principal.role}.`);
  }
  await next();
});
