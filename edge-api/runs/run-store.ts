// Runs and their events, kept in PostgreSQL so every process (API, any worker) sees the same history.
import { and, asc, desc, eq, gt, inArray } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { runEvents, runs } from '../db/schema.ts';

export type RunStatus = 'PENDING' | 'RUNNING' | 'SUCCESS' | 'FAILURE' | 'CANCELED';
export const FINISHED: RunStatus[] = ['SUCCESS', 'FAILURE', 'CANCELED'];

export type RunRow = typeof runs.$inferSelect;

export async function createRun(db: Db, run: { kind: string; conceptId?: string; params: object; createdBy?: string; parentRunId?: string }): Promise<RunRow> {
  const [row] = await db.insert(runs).values({ ...run, status: 'PENDING' }).returning();
  await recordRunEvent(db, row!.id, 'created', { kind: run.kind });
  return row!;
}

export async function getRun(db: Db, runId: string): Promise<RunRow | undefined> {
  const [row] = await db.select().from(runs).where(eq(runs.id, runId));
  return row;
}

/** The concept's run of this kind with this id, if it has one. */
export async function findConceptRun(db: Db, conceptId: string, kind: string, runId: string): Promise<RunRow | undefined> {
  const [row] = await db.select().from(runs).where(and(eq(runs.id, runId), eq(runs.conceptId, conceptId), eq(runs.kind, kind)));
  return row;
}

/** The concept's newest runs of one kind, or of both kinds ('all'). */
export async function listConceptRuns(db: Db, conceptId: string, kind: 'train' | 'materialize' | 'all', limit: number): Promise<RunRow[]> {
  const ofKind = kind === 'all' ? inArray(runs.kind, ['train', 'materialize']) : eq(runs.kind, kind);
  return db.select().from(runs).where(and(eq(runs.conceptId, conceptId), ofKind)).orderBy(desc(runs.createdAt)).limit(limit);
}

export async function recordRunEvent(db: Db, runId: string, kind: string, data: object = {}): Promise<void> {
  await db.insert(runEvents).values({ runId, kind, data });
}

export async function runEventsAfter(db: Db, runId: string, afterId: number) {
  return db.select().from(runEvents).where(and(eq(runEvents.runId, runId), gt(runEvents.id, afterId))).orderBy(asc(runEvents.id)).limit(500);
}

/** Moves a run on only from a state that allows it, so a late worker cannot revive a canceled or finished run. */
export async function transitionRun(
  db: Db, runId: string, from: RunStatus[], to: RunStatus, extra: Partial<Pick<RunRow, 'error' | 'metrics' | 'lineage' | 'progress'>> = {},
): Promise<boolean> {
  const now = new Date();
  const updated = await db.update(runs).set({
    status: to,
    ...extra,
    ...(to === 'RUNNING' ? { startedAt: now } : {}),
    ...(FINISHED.includes(to) ? { finishedAt: now } : {}),
  }).where(and(eq(runs.id, runId), inArray(runs.status, from))).returning({ id: runs.id });
  if (updated.length) await recordRunEvent(db, runId, 'status', { status: to, ...(extra.error ? { error: extra.error } : {}) });
  return updated.length > 0;
}

export async function setRunProgress(db: Db, runId: string, progress: RunRow['progress']): Promise<void> {
  await db.update(runs).set({ progress }).where(eq(runs.id, runId));
}
