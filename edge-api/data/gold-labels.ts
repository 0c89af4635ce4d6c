// The gold-label aggregate: the analyst's own label per sample key of a concept.
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { goldLabels } from '../db/schema.ts';

export type GoldLabelRow = typeof goldLabels.$inferSelect;
type GoldLabelInsert = typeof goldLabels.$inferInsert;

/** The concept's gold labels, by sample key. */
export async function listGoldLabels(db: Db, cId: string): Promise<GoldLabelRow[]> {
  return db.select().from(goldLabels).where(eq(goldLabels.conceptId, cId)).orderBy(asc(goldLabels.sampleKey));
}

/** The concept's gold labels as training compares them: sample key and class. */
export async function goldKeysAndLabels(db: Db, cId: string): Promise<{ key: string; label: number }[]> {
  return db.select({ key: goldLabels.sampleKey, label: goldLabels.label }).from(goldLabels).where(eq(goldLabels.conceptId, cId));
}

/** Sets the labels given and removes those of the sample keys given, in one transaction. */
export async function putGoldLabels(db: Db, cId: string, set: GoldLabelInsert[], removed: string[]): Promise<void> {
  await db.transaction(async (tx) => {
    if (set.length) {
      await tx.insert(goldLabels).values(set).onConflictDoUpdate({
        target: [goldLabels.conceptId, goldLabels.sampleKey],
        set: { label: sql`excluded.label`, labeledBy: sql`excluded.labeled_by`, updatedAt: sql`excluded.updated_at` },
      });
    }
    if (removed.length) await tx.delete(goldLabels).where(and(eq(goldLabels.conceptId, cId), inArray(goldLabels.sampleKey, removed)));
  });
}
