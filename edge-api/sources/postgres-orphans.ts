// postgres.js starts every connection with a query of its own (the array types, `fetch_types`) and drops that
// query's promise (porsager/postgres#1192, #1205, #1223, open in 3.4.9). When the query fails — a server that logs
// in and then never answers, so Reef gives up on it; a connection dropped during startup — the rejection is
// unhandled and Node ends the whole process. The query that started the connection has failed already and is
// reported; these orphans alone are ignored, anything else keeps Node's behaviour.

/** Whether an unhandled rejection is postgres.js's own startup array-types query failing. */
export function isOrphanedTypeFetch(reason: unknown): boolean {
  const query = (reason as { query?: unknown } | null)?.query;
  return typeof query === 'string' && /from pg_catalog\.pg_type a\s+left join pg_catalog\.pg_type b on b\.oid = a\.typelem/.test(query);
}

let installed = false;

/** Installs, once, the process hook that drops those orphans and leaves every other unhandled rejection fatal. */
export function ignoreOrphanedTypeFetches(): void {
  if (installed || typeof process === 'undefined' || typeof process.on !== 'function') return;
  installed = true;
  process.on('unhandledRejection', (reason) => {
    if (isOrphanedTypeFetch(reason)) return;
    // Alone, this hook would make every other rejection silent; Node's default is to end the process with it.
    if (process.listenerCount('unhandledRejection') === 1) throw reason;
  });
}
