// The connection aggregate: a source database (or the object store's files) and its encrypted login.
import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { databaseConnections } from '../db/schema.ts';
import { missing } from '../domain-error.ts';

export type ConnectionRow = typeof databaseConnections.$inferSelect;

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
