// The change feed and the reads it keeps honest, on PGlite and the real PostgreSQL: a write by anyone (here: a
// second connection, as a `reef worker` would write) reaches the API's next reads.
import { eq, sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createTestApi, type TestApi } from '../testing.ts';
import { openChangeFeed, type Change, type ChangeFeed } from './change-feed.ts';
import { apiTokens, concepts, conceptIndexes } from './schema.ts';
import { describeDatabases } from './test-databases.ts';

/** Polls `read` until `done` holds (at most 3 s: within the 5 s a kept read may live without notifications). */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const until = performance.now() + 3_000;
  for (;;) {
    const value = await read();
    if (done(value) || performance.now() > until) return value;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describeDatabases('change feed', (database, backend) => {
  let feed: ChangeFeed;
  let api: TestApi;
  /** Runs SQL as another session would: a connection of its own on PostgreSQL; PGlite has one session. */
  let elsewhere: (statement: string) => Promise<unknown>;
  let closeElsewhere = async () => {};
  beforeEach(async () => {
    feed = await openChangeFeed(database());
    api = await createTestApi(database(), { changes: feed });
    if (backend === 'postgres') {
      const other = postgres(database().url!, { max: 1, onnotice: () => {} });
      elsewhere = (statement) => other.unsafe(statement);
      closeElsewhere = () => other.end();
    } else {
      elsewhere = (statement) => database().db.execute(sql.raw(statement));
    }
  });
  afterEach(async () => {
    await closeElsewhere();
    await feed.close();
  });

  it('announces each committed change with its table and concept (or token) id', async () => {
    const seen: (Change | null)[] = [];
    feed.subscribe((change) => seen.push(change));
    const { body: concept } = await api.call('POST', '/api/concepts', { body: { name: 'spam', values: ['HAM', 'SPAM'] } });
    await elsewhere(`update concepts set description = 'changed elsewhere' where id = '${concept.c_id}'`);
    const [token] = await database().db.select().from(apiTokens).limit(1);
    await elsewhere(`update api_tokens set name = 'renamed' where id = '${token!.id}'`);
    await elsewhere('truncate labeling_functions cascade');
    const changes = await eventually(async () => seen, (s) => s.some((c) => c?.table === 'labeling_functions'));
    expect(changes).toEqual(expect.arrayContaining([
      { table: 'concepts', key: concept.c_id },
      { table: 'concept_values', key: concept.c_id },
      { table: 'api_tokens', key: token!.id },
      { table: 'labeling_functions', key: '*' },
    ]));
  });

  it("serves the catalog from memory between changes, and a write by another session reaches the next reads", async () => {
    const seen: (Change | null)[] = [];
    feed.subscribe((change) => seen.push(change));
    const { body: concept } = await api.call('POST', '/api/concepts', { body: { name: 'spam', values: ['HAM', 'SPAM'] } });
    const { body: conn } = await api.call('POST', '/api/connections', { body: { name: 'files', connection_type: 'files' } });
    const { body: index } = await api.call('POST', `/api/concepts/${concept.c_id}/indexes`, { body: { name: 'messages', conn_id: conn.conn_id, sql_query: 'select id, body from messages' } });
    const catalog = async () => (await api.call('GET', `/api/concepts/${concept.c_id}/catalog`, { as: 'viewer' })).body;
    // The announcements of these writes arrive on their own, in commit order; a late one would drop the catalog kept
    // below, so the index's (the last) is awaited before the catalog is read and kept.
    await eventually(async () => seen, (s) => s.some((c) => c?.table === 'concept_indexes'));
    expect((await catalog()).indexes[0]).toMatchObject({ is_materialized: false, row_count: null });

    // With the trigger off, a change goes unannounced: the kept catalog is what answers (it is really kept).
    await elsewhere('alter table concept_indexes disable trigger reef_changes');
    await elsewhere(`update concept_indexes set row_count = 1 where id = '${index.id}'`);
    expect((await catalog()).indexes[0].row_count).toBe(null);
    await elsewhere('alter table concept_indexes enable trigger reef_changes');

    // As a worker finishing a materialization writes it.
    await elsewhere(`update concept_indexes set is_materialized = true, row_count = 5574 where id = '${index.id}'`);
    const after = await eventually(catalog, (c) => c.indexes[0].row_count === 5574);
    expect(after.indexes[0]).toMatchObject({ is_materialized: true, row_count: 5574 });

    await elsewhere(`insert into labeling_functions (concept_id, name, lf_type, config, label) values ('${concept.c_id}', 'has_link', 'regex', '{"field":"body","pattern":"x"}', 1)`);
    const withLf = await eventually(catalog, (c) => c.labeling_functions.length === 1);
    expect(withLf.labeling_functions.map((lf: { name: string; label_name: string }) => [lf.name, lf.label_name])).toEqual([['has_link', 'SPAM']]);
    // This process's own writes are read back at once, without waiting for the notification.
    await api.call('DELETE', `/api/concepts/${concept.c_id}/labeling-functions/${withLf.labeling_functions[0].lf_id}`);
    expect((await catalog()).labeling_functions).toEqual([]);
    expect(await database().db.select().from(concepts).where(eq(concepts.id, concept.c_id))).toHaveLength(1);
    expect(await database().db.select().from(conceptIndexes)).toHaveLength(1);
  });

  it('a token revoked by another session stops working', async () => {
    expect((await api.call('GET', '/api/concepts', { as: 'analyst' })).status).toBe(200);
    await elsewhere("update api_tokens set revoked_at = now() where name = 'test analyst'");
    const status = await eventually(async () => (await api.call('GET', '/api/concepts', { as: 'analyst' })).status, (s) => s === 401);
    expect(status).toBe(401);
    expect((await api.call('GET', '/api/concepts', { as: 'viewer' })).status).toBe(200);
  });
});
