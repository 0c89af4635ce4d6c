// Test and benchmark support: puts a materialized asset version in place straight from a DuckDB SELECT (what a
// materialization run leaves behind: Parquet parts under the version prefix, an asset_versions row, the asset
// pointing at it), so training can be exercised without a source database.
import { createReadStream } from 'node:fs';
import { eq } from 'drizzle-orm';
import { join } from 'node:path';
import { quoteIdent } from '../../shared/lf/sql-literals.ts';
import type { Db } from '../db/client.ts';
import { assetVersions, conceptIndexes, conceptRules, databaseConnections } from '../db/schema.ts';
import type { ObjectStore } from '../storage/index.ts';
import { openUnitDb } from './train-duckdb.ts';
import { partKey } from '../storage/parts.ts';

async function filesConnection(db: Db): Promise<string> {
  const name = 'reef-training-fixtures';
  const [existing] = await db.select().from(databaseConnections).where(eq(databaseConnections.name, name));
  if (existing) return existing.id;
  const [row] = await db.insert(databaseConnections).values({ name, connectionType: 'files' }).returning();
  return row!.id;
}

export interface FixtureAsset {
  conceptId: string;
  kind: 'indexes' | 'rules';
  name: string;
  /** A DuckDB SELECT giving the asset's rows. */
  select: string;
  keyColumn: string;
  /** Parquet parts to split the rows into (by key), as a partitioned materialization writes them. */
  parts?: number;
}

/** Puts already-written Parquet files in place as version 1 of a new asset, as a materialization run would. */
export async function registerFixtureAsset(
  db: Db, store: ObjectStore, spec: Omit<FixtureAsset, 'select' | 'parts'> & { select?: string; files: string[] },
): Promise<{ assetId: string; versionId: string; rows: number }> {
  const table = spec.kind === 'indexes' ? conceptIndexes : conceptRules;
  const [asset] = await db.insert(table).values({
    conceptId: spec.conceptId, name: spec.name, connId: await filesConnection(db), sqlQuery: spec.select ?? 'SELECT 1', keyColumn: spec.keyColumn,
  }).returning();
  const prefix = `assets/${spec.conceptId}/${spec.kind}/${asset!.id}/v1`;
  const duck = await openUnitDb();
  let rows = 0;
  try {
    for (const [p, file] of spec.files.entries()) {
      rows += Number((await duck.connection.runAndReadAll(`SELECT count(*) FROM '${file}'`)).getRowsJS()[0]![0]);
      await store.put(partKey(prefix, p), createReadStream(file));
    }
  } finally {
    await duck.close();
  }
  const [version] = await db.insert(assetVersions).values({
    conceptId: spec.conceptId, assetKind: spec.kind, assetId: asset!.id, version: 1, storagePrefix: prefix, rowCount: rows, sqlHash: 'fixture',
  }).returning();
  await db.update(table).set({ isMaterialized: true, rowCount: rows, storagePath: prefix, currentVersionId: version!.id, materializedAt: new Date() })
    .where(eq(table.id, asset!.id));
  return { assetId: asset!.id, versionId: version!.id, rows };
}

/** Writes the SELECT's rows as Parquet parts (split by key, each ordered by key) and registers them. */
export async function materializeFixtureAsset(db: Db, store: ObjectStore, spec: FixtureAsset): Promise<{ assetId: string; versionId: string; rows: number }> {
  const parts = spec.parts ?? 1;
  const duck = await openUnitDb();
  try {
    const key = quoteIdent(spec.keyColumn);
    const files: string[] = [];
    for (let p = 0; p < parts; p++) {
      const file = join(duck.scratch, `part-${p}.parquet`);
      const where = parts > 1 ? `WHERE hash(${key}) % ${parts} = ${p}` : '';
      await duck.connection.run(`COPY (SELECT * FROM (${spec.select}) ${where} ORDER BY ${key}) TO '${file}' (FORMAT parquet)`);
      files.push(file);
    }
    return await registerFixtureAsset(db, store, { ...spec, files });
  } finally {
    await duck.close();
  }
}
