// Raw SQL on Reef's own database, whichever driver holds it. Its own module, so code that runs on Cloudflare Workers
// can import it without client.ts (which resolves the migrations folder from the file system when loaded).
import type { SQL } from 'drizzle-orm';
import type { Db } from './client.ts';

/** The rows of a raw query: postgres.js answers an array of rows, PGlite an object holding `rows`. */
export async function rawRows<Row>(db: Db, query: SQL): Promise<Row[]> {
  const result: unknown = await db.execute(query);
  return (Array.isArray(result) ? result : (result as { rows: Row[] }).rows) as Row[];
}
