// The asset aggregate: a concept's indexes and rules (one table each, the same columns), as the routes read and
// change them. Materialization keeps its run and version writes beside its runs (materialize/runs.ts).
import { and, asc, eq, isNotNull } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { assetTable, type conceptIndexes } from '../db/schema.ts';
import { missing } from '../domain-error.ts';

export type AssetKind = 'indexes' | 'rules';
export type AssetRow = typeof conceptIndexes.$inferSelect;
type AssetInsert = typeof conceptIndexes.$inferInsert;

const singular = { indexes: 'index', rules: 'rule' } as const;

/** The concept's index or rule with this id; NOT_FOUND when it has none. */
export async function loadAsset(db: Db, kind: AssetKind, cId: string, id: string): Promise<AssetRow> {
  const table = assetTable(kind);
  const [row] = await db.select().from(table).where(and(eq(table.conceptId, cId), eq(table.id, id)));
  if (!row) throw missing(singular[kind], id);
  return row;
}

/** The index or rule with this id, whatever its concept, if there is one. */
export async function findAssetById(db: Db, kind: AssetKind, id: string): Promise<AssetRow | undefined> {
  const t = assetTable(kind);
  const [asset] = await db.select().from(t).where(eq(t.id, id));
  return asset;
}

/** The concept's indexes or rules that have a current (materialized) version. */
export async function listMaterializedAssets(db: Db, kind: AssetKind, cId: string): Promise<AssetRow[]> {
  const table = assetTable(kind);
  return db.select().from(table).where(and(eq(table.conceptId, cId), isNotNull(table.currentVersionId)));
}

/** The concept's indexes or rules, oldest first. */
export async function listAssets(db: Db, kind: AssetKind, cId: string): Promise<AssetRow[]> {
  const table = assetTable(kind);
  return db.select().from(table).where(eq(table.conceptId, cId)).orderBy(asc(table.createdAt), asc(table.name));
}

export async function insertAsset(db: Db, kind: AssetKind, values: AssetInsert): Promise<AssetRow> {
  const [row] = await db.insert(assetTable(kind)).values(values).returning();
  return row!;
}

/** Sets the fields given (undefined leaves a field as it is). */
export async function updateAsset(db: Db, kind: AssetKind, id: string, patch: Partial<AssetInsert>): Promise<AssetRow> {
  const table = assetTable(kind);
  const [row] = await db.update(table).set({ ...patch, updatedAt: new Date() }).where(eq(table.id, id)).returning();
  return row!;
}

export async function deleteAsset(db: Db, kind: AssetKind, id: string): Promise<void> {
  const table = assetTable(kind);
  await db.delete(table).where(eq(table.id, id));
}
