// The labeling-function aggregate: a concept's LFs and the immutable versions runs pin.
import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { labelingFunctionVersions, labelingFunctions } from '../db/schema.ts';
import { missing } from '../domain-error.ts';

export type LfRow = typeof labelingFunctions.$inferSelect;
export type LfVersionRow = typeof labelingFunctionVersions.$inferSelect;
type LfInsert = typeof labelingFunctions.$inferInsert;
/** The version a run pins, made from the LF row as saved. */
type SnapshotOf = (row: LfRow) => LfVersionRow['snapshot'];

/** The concept's LF with this id; NOT_FOUND when it has none. */
export async function loadLf(db: Db, cId: string, lfId: string): Promise<LfRow> {
  const [row] = await db.select().from(labelingFunctions)
    .where(and(eq(labelingFunctions.id, lfId), eq(labelingFunctions.conceptId, cId)));
  if (!row) throw missing('labeling function in this concept', lfId);
  return row;
}

/** Inserts the LF and its version 1 together: no LF ever exists without the snapshot a run would pin. */
export async function insertLfWithVersion(db: Db, values: LfInsert, snapshotOf: SnapshotOf, createdBy: string): Promise<LfRow> {
  return db.transaction(async (tx) => {
    const [row] = await tx.insert(labelingFunctions).values({ ...values, createdBy }).returning();
    await tx.insert(labelingFunctionVersions).values({ lfId: row!.id, version: 1, snapshot: snapshotOf(row!), createdBy });
    return row!;
  });
}

/**
 * Saves the concept's LF as its next version, in one transaction with the version's snapshot. `change` reads the
 * locked current row and answers the fields to set; what it throws rolls everything back. NOT_FOUND when the
 * concept has no LF with this id.
 */
export async function updateLfAsNewVersion(
  db: Db, cId: string, lfId: string, change: (current: LfRow, tx: Db) => Promise<Partial<LfInsert>>, snapshotOf: SnapshotOf, by: string,
): Promise<LfRow> {
  return db.transaction(async (tx) => {
    // Locked, so two concurrent patches make versions n+1 and n+2, never two n+1.
    const [current] = await tx.select().from(labelingFunctions)
      .where(and(eq(labelingFunctions.id, lfId), eq(labelingFunctions.conceptId, cId))).for('update');
    if (!current) throw missing('labeling function in this concept', lfId);
    const [row] = await tx.update(labelingFunctions).set({
      ...(await change(current, tx)), version: current.version + 1, updatedAt: new Date(),
    }).where(eq(labelingFunctions.id, lfId)).returning();
    await tx.insert(labelingFunctionVersions).values({ lfId, version: row!.version, snapshot: snapshotOf(row!), createdBy: by });
    return row!;
  });
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
