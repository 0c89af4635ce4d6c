// The connection aggregate: a source database (or the object store's files) and its encrypted login.
import { asc, eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { conceptIndexes, conceptRules, databaseConnections } from '../db/schema.ts';
import { missing } from '../domain-error.ts';

export type ConnectionRow = typeof databaseConnections.$inferSelect;
type ConnectionInsert = typeof databaseConnections.$inferInsert;

export async function findConnection(db: Db, connId: string): Promise<ConnectionRow | undefined> {
  const [row] = await db.select().from(databaseConnections).where(eq(databaseConnections.id, connId));
  return row;
}

/** The connection with this id; NOT_FOUND when there is none. */
export async function loadConnection(db: Db, connId: string): Promise<ConnectionRow> {
  const row = await findConnection(db, connId);
  if (!row) throw missing('connection', connId);
  return row;
}

/** Every connection, oldest first. */
export async function listConnections(db: Db): Promise<ConnectionRow[]> {
  return db.select().from(databaseConnections).orderBy(asc(databaseConnections.createdAt), asc(databaseConnections.name));
}

export async function insertConnection(db: Db, values: ConnectionInsert): Promise<ConnectionRow> {
  const [row] = await db.insert(databaseConnections).values(values).returning();
  return row!;
}

/** Sets the fields given (undefined leaves a field as it is). */
export async function updateConnection(db: Db, connId: string, changes: Partial<ConnectionInsert>): Promise<ConnectionRow> {
  const [updated] = await db.update(databaseConnections).set({ ...changes, updatedAt: new Date() })
    .where(eq(databaseConnections.id, connId)).returning();
  return updated!;
}

export async function deleteConnection(db: Db, connId: string): Promise<void> {
  await db.delete(databaseConnections).where(eq(databaseConnections.id, connId));
}

/** The indexes and rules that read from a connection. */
export async function connectionUsers(db: Db, connId: string) {
  const columns = (t: typeof conceptIndexes | typeof conceptRules) => ({ name: t.name, sql: t.sqlQuery });
  const [indexes, rules] = await Promise.all([
    db.select(columns(conceptIndexes)).from(conceptIndexes).where(eq(conceptIndexes.connId, connId)).orderBy(asc(conceptIndexes.name)),
    db.select(columns(conceptRules)).from(conceptRules).where(eq(conceptRules.connId, connId)).orderBy(asc(conceptRules.name)),
  ]);
  return [...indexes.map((a) => ({ ...a, kind: 'index' })), ...rules.map((a) => ({ ...a, kind: 'rule' }))];
}
