// The API-token aggregate: only a token's hash is stored; a revoked token stays, with revokedAt set.
import { and, eq, isNull } from 'drizzle-orm';
import type { Role } from '../../shared/schema/common.ts';
import type { Db } from '../db/client.ts';
import { apiTokens } from '../db/schema.ts';

export type ApiTokenRow = typeof apiTokens.$inferSelect;

/** The token with this hash, unless it was revoked. */
export async function findActiveToken(db: Db, tokenHash: string): Promise<ApiTokenRow | undefined> {
  const [row] = await db
    .select()
    .from(apiTokens)
    .where(and(eq(apiTokens.tokenHash, tokenHash), isNull(apiTokens.revokedAt)));
  return row;
}

export async function insertToken(
  db: Db,
  values: { name: string; role: Role; tokenHash: string },
): Promise<ApiTokenRow> {
  const [row] = await db.insert(apiTokens).values(values).returning();
  return row!;
}

/** Adds the token unless its hash is already there (revoked or not: a revoked admin token is not brought back). */
export async function ensureToken(db: Db, values: { name: string; role: Role; tokenHash: string }): Promise<void> {
  await db.insert(apiTokens).values(values).onConflictDoNothing({ target: apiTokens.tokenHash });
}
