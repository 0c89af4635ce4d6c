// The catalog's reads: a concept with its indexes, rules and a summary of its LFs, read together.
import { asc, eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { labelingFunctions } from '../db/schema.ts';
import { listAssets } from './assets.ts';
import { loadConcept } from './concepts.ts';

/** The concept (NOT_FOUND when there is none), its indexes and rules, and its LFs' catalog columns. */
export async function loadCatalogRows(db: Db, cId: string) {
  const concept = await loadConcept(db, cId);
  // Ties in creation time (rows written by one statement) fall back to the name, so the order is stable.
  const [indexes, rules, lfs] = await Promise.all([
    listAssets(db, 'indexes', cId),
    listAssets(db, 'rules', cId),
    db.select({
      id: labelingFunctions.id, name: labelingFunctions.name, lf_type: labelingFunctions.lfType,
      label: labelingFunctions.label, active: labelingFunctions.active,
      requires_approval: labelingFunctions.requiresApproval, version: labelingFunctions.version,
    }).from(labelingFunctions).where(eq(labelingFunctions.conceptId, cId)).orderBy(asc(labelingFunctions.createdAt), asc(labelingFunctions.name)),
  ]);
  return { concept, indexes, rules, lfs };
}
