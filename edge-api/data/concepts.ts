// The concept aggregate: a concept and its ordered classes, as the routes and jobs read and change them.
import { asc, eq } from 'drizzle-orm';
import type { z } from 'zod';
import type { Concept, ConceptCreate, ConceptUpdate } from '../../shared/schema/concept.ts';
import type { Db } from '../db/client.ts';
import { conceptValues, concepts } from '../db/schema.ts';
import { missing } from '../domain-error.ts';
import { iso } from '../dates.ts';

/** The concept with its ordered class names; NOT_FOUND when there is none. */
export async function loadConcept(db: Db, cId: string): Promise<Concept> {
  const [row] = await db.select().from(concepts).where(eq(concepts.id, cId));
  if (!row) throw missing('concept', cId);
  const values = await db.select().from(conceptValues).where(eq(conceptValues.conceptId, cId)).orderBy(asc(conceptValues.position));
  return {
    c_id: row.id, name: row.name, description: row.description, values: values.map((v) => v.name),
    concept_values: values.map((v) => ({ cv_id: v.id, name: v.name, position: v.position })),
    created_at: iso(row.createdAt)!, updated_at: iso(row.updatedAt)!,
  };
}

/** A new concept and its classes, in one transaction. */
export async function createConcept(db: Db, body: z.infer<typeof ConceptCreate>): Promise<Concept> {
  const id = await db.transaction(async (tx) => {
    const [row] = await tx.insert(concepts).values({ name: body.name, description: body.description }).returning();
    await tx.insert(conceptValues).values(body.values.map((name, position) => ({ conceptId: row!.id, position, name })));
    return row!.id;
  });
  return loadConcept(db, id);
}

/** Every concept, oldest first. */
export async function listConcepts(db: Db): Promise<Concept[]> {
  const rows = await db.select({ id: concepts.id }).from(concepts).orderBy(asc(concepts.createdAt));
  return Promise.all(rows.map((r) => loadConcept(db, r.id)));
}

export async function updateConcept(db: Db, cId: string, body: z.infer<typeof ConceptUpdate>): Promise<Concept> {
  await loadConcept(db, cId);
  await db.update(concepts).set({ name: body.name, description: body.description, updatedAt: new Date() }).where(eq(concepts.id, cId));
  return loadConcept(db, cId);
}

/** Deletes the concept with its assets, LFs, pipelines and runs (the foreign keys cascade). */
export async function deleteConcept(db: Db, cId: string): Promise<void> {
  const [row] = await db.delete(concepts).where(eq(concepts.id, cId)).returning({ id: concepts.id });
  if (!row) throw missing('concept', cId);
}
