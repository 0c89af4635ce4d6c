// The labeling-function aggregate: a concept's LFs and the immutable versions runs pin.
import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { labelingFunctionVersions, labelingFunctions } from '../db/schema.ts';
import { missing } from '../domain-error.ts';

export type LfRow = typeof labelingFunctions.$inferSelect;
export type LfVersionRow = typeof labelingFunctionVersions.$inferSelect;

/** The concept's LF with this id; NOT_FOUND when it has none. */
export async function loadLf(db: Db, cId: string, lfId: string): Promise<LfRow> {
  const [row] = await db.select().from(labelingFunctions)
    .where(and(eq(labelingFunctions.id, lfId), eq(labelingFunctions.conceptId, cId)));
  if (!row) throw missing('labeling function in this concept', lfId);
  return row;
}

/** The concept's LFs, oldest first. */
export async function listLfs(db: Db, cId: string): Promise<LfRow[]> {
  return db.select().from(labelingFunctions).where(eq(labelingFunctions.conceptId, cId))
    .orderBy(asc(labelingFunctions.createdAt), asc(labelingFunctions.name));
}

/** Deletes the LF with its versions; NOT_FOUND when the concept has none with this id. */
export async function deleteLf(db: Db, cId: string, lfId: string): Promise<void> {
  const [row] = await db.delete(labelingFunctions)
    .where(and(eq(labelingFunctions.id, lfId), eq(labelingFunctions.conceptId, cId))).returning({ id: labelingFunctions.id });
  if (!row) throw missing('labeling function in this concept', lfId);
}

/** Every saved version of the LF, oldest first. */
export async function listLfVersions(db: Db, lfId: string): Promise<LfVersionRow[]> {
  return db.select().from(labelingFunctionVersions)
    .where(eq(labelingFunctionVersions.lfId, lfId)).orderBy(asc(labelingFunctionVersions.version));
}

/**
 * Approves the LF if it still waits for approval (at `version`, when given), in one conditional update: a patch
 * that lands first changes the version or the pending flag, and this approves nothing (undefined).
 */
export async function approvePendingLf(db: Db, cId: string, lfId: string, version: number | undefined, by: string): Promise<LfRow | undefined> {
  const pending = and(
    eq(labelingFunctions.id, lfId), eq(labelingFunctions.conceptId, cId), eq(labelingFunctions.requiresApproval, true),
    version === undefined ? undefined : eq(labelingFunctions.version, version),
  );
  const [row] = await db.update(labelingFunctions).set({
    active: true, requiresApproval: false, approvedBy: by, approvedAt: new Date(), updatedAt: new Date(),
  }).where(pending).returning();
  return row;
}
