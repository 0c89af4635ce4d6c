// Committed changes to Reef's own tables, as PostgreSQL announces them (drizzle/0003_change_notifications.sql):
// what lets an API process cache reads and still answer with what is in the database, whoever wrote it (this
// process, a `reef worker`, another API process).
import type { Database } from './client.ts';

export const CHANGES_CHANNEL = 'reef_changes';

/** One committed change: the table and the key the trigger names (a concept id, a token id; `*` for a TRUNCATE). */
export interface Change { table: string; key: string }

/**
 * Listeners get each change, or `null` when changes may have been missed (on every (re)connection of the
 * listening session): then everything cached must go.
 */
export type ChangeListener = (change: Change | null) => void;

export interface ChangeFeed {
  subscribe(listener: ChangeListener): () => void;
  close(): Promise<void>;
}

export async function openChangeFeed(database: Database): Promise<ChangeFeed> {
  const listeners = new Set<ChangeListener>();
  const emit = (change: Change | null) => { for (const listener of listeners) listener(change); };
  const onNotify = (payload: string) => {
    const at = payload.indexOf(':');
    emit({ table: payload.slice(0, at), key: payload.slice(at + 1) });
  };
  let close: () => Promise<void>;
  if (database.pglite) {
    close = await database.pglite.listen(CHANGES_CHANNEL, onNotify);
  } else {
    // A session of its own: LISTEN holds its connection, which the query pool must not lose.
    const { default: postgres } = await import('postgres');
    const client = postgres(database.url!, { max: 1, onnotice: () => {} });
    await client.listen(CHANGES_CHANNEL, onNotify, () => emit(null));
    close = () => client.end({ timeout: 1 });
  }
  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close,
  };
}
