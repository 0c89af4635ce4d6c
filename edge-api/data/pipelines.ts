// The pipeline aggregate: a concept's canvas graphs (and notebook cells), stored whole under a name.
import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { pipelines } from '../db/schema.ts';
import { DomainError } from '../domain-error.ts';

export type PipelineRow = typeof pipelines.$inferSelect;

/** The concept's pipeline with this name; NOT_FOUND when it has none. */
export async function loadPipeline(db: Db, cId: string, name: string): Promise<PipelineRow> {
  const [row] = await db.select().from(pipelines).where(and(eq(pipelines.conceptId, cId), eq(pipelines.name, name)));
  if (!row) throw new DomainError('NOT_FOUND', `This concept has no pipeline named "${name}"; list them with GET /api/concepts/${cId}/pipelines.`);
  return row;
}

/** Creates the pipeline or replaces its graph whole. */
export async function savePipeline(db: Db, cId: string, name: string, graph: PipelineRow['graph']): Promise<PipelineRow> {
  // One statement, so two saves racing on a new name both succeed (the last one wins) instead of one hitting 409.
  const [row] = await db.insert(pipelines).values({ conceptId: cId, name, graph })
    .onConflictDoUpdate({ target: [pipelines.conceptId, pipelines.name], set: { graph, updatedAt: new Date() } })
    .returning();
  return row!;
}

/** The concept's pipelines' names and last changes, by name. */
export async function listPipelineNames(db: Db, cId: string): Promise<{ name: string; updatedAt: Date }[]> {
  return db.select({ name: pipelines.name, updatedAt: pipelines.updatedAt }).from(pipelines)
    .where(eq(pipelines.conceptId, cId)).orderBy(asc(pipelines.name));
}

export async function deletePipeline(db: Db, cId: string, name: string): Promise<void> {
  await db.delete(pipelines).where(and(eq(pipelines.conceptId, cId), eq(pipelines.name, name)));
}
