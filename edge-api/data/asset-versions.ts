// Asset versions: the immutable materialized Parquet of an index or rule, written by materialize/runs.ts.
import { eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { assetVersions } from '../db/schema.ts';

export type AssetVersionRow = typeof assetVersions.$inferSelect;

export async function findAssetVersion(db: Db, id: string): Promise<AssetVersionRow | undefined> {
  const [v] = await db.select().from(assetVersions).where(eq(assetVersions.id, id));
  return v;
}

/** The asset versions with these ids (in no particular order). */
export async function listAssetVersions(db: Db, ids: string[]): Promise<AssetVersionRow[]> {
  return db.select().from(assetVersions).where(inArray(assetVersions.id, ids));
}
