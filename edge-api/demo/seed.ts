// The demo concept a new user finds on first start: SPAM vs HAM comments in a files connection, one index, two
// rules, LFs of every kind and a few hundred gold labels. It is created through the API itself, so it passes the
// same validation as anything a user makes.
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { App } from '../app.ts';
import { filesPrefix } from '../sources/from-connection.ts';
import type { ObjectStore } from '../storage/index.ts';
import { demoCommentsSql } from './comments.ts';

export const DEMO_CONCEPT = 'Spam comments';
export const DEMO_FILE = 'comments.parquet';
export const DEFAULT_DEMO_ROWS = 20_000;
const GOLD_SAMPLES = 300;

type Call = (method: string, path: string, body?: unknown) => Promise<any>;

function caller(app: App, token: string): Call {
  return async (method, path, body) => {
    const res = await app.request(path, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const payload = res.status === 204 ? undefined : await res.json();
    if (!res.ok) throw new Error(`demo setup: ${method} ${path} answered ${res.status}: ${JSON.stringify(payload)}`);
    return payload;
  };
}

/** Writes `rows` demo comments as Parquet into the connection's files and returns the first gold labels. */
export async function writeDemoComments(store: ObjectStore, connId: string, rows: number): Promise<{ sample_key: string; label: string }[]> {
  const dir = await mkdtemp(join(tmpdir(), 'reef-demo-'));
  const instance = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
  const connection = await instance.connect();
  try {
    const file = join(dir, DEMO_FILE);
    await connection.run(`COPY (${demoCommentsSql(rows)}) TO '${file}' (FORMAT parquet, ROW_GROUP_SIZE 122880)`);
    await store.put(`${filesPrefix(connId)}${DEMO_FILE}`, createReadStream(file));
    const gold = await connection.runAndReadAll(`SELECT id::VARCHAR, true_label FROM read_parquet('${file}') ORDER BY id LIMIT ${GOLD_SAMPLES}`);
    return gold.getRows().map(([id, label]) => ({ sample_key: String(id), label: String(label) }));
  } finally {
    connection.closeSync();
    instance.closeSync();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Creates the demo concept when the database has no concept at all; returns its id, or undefined when skipped. */
export async function seedDemo(opts: { app: App; token: string; store: ObjectStore; rows?: number; materialize?: boolean }): Promise<string | undefined> {
  const call = caller(opts.app, opts.token);
  if ((await call('GET', '/api/concepts')).length > 0) return undefined;

  const concept = await call('POST', '/api/concepts', {
    name: DEMO_CONCEPT,
    description: 'Is a video comment spam? A generated demo dataset with a hidden true label; the first 300 comments carry gold labels.',
    values: ['HAM', 'SPAM'],
  });
  const c = `/api/concepts/${concept.c_id}`;
  const connection = await call('POST', '/api/connections', { name: 'Demo comments (files)', connection_type: 'files' });
  const gold = await writeDemoComments(opts.store, connection.conn_id, opts.rows ?? DEFAULT_DEMO_ROWS);

  const index = await call('POST', `${c}/indexes`, {
    name: 'comments', conn_id: connection.conn_id, key_column: 'id',
    sql_query: 'SELECT id, author, text, posted_at, video, likes FROM comments',
  });
  const rules = [
    await call('POST', `${c}/rules`, {
      name: 'comment_features', conn_id: connection.conn_id, key_column: 'id',
      sql_query: "SELECT id, length(text) AS text_length, regexp_matches(text, 'https?://|www\\.') AS has_link, upper(text) = text AS all_caps FROM comments",
    }),
    await call('POST', `${c}/rules`, {
      name: 'author_activity', conn_id: connection.conn_id, key_column: 'id',
      sql_query: 'SELECT c.id, a.n AS author_comments FROM comments c JOIN (SELECT author, count(*) AS n FROM comments GROUP BY author) a USING (author)',
    }),
  ];

  const lfs = `${c}/labeling-functions`;
  await call('POST', `${lfs}/regex`, { name: 'has_url', field: 'text', pattern: 'https?://|www\\.', label: 'SPAM' });
  await call('POST', `${lfs}/regex`, { name: 'asks_to_subscribe', field: 'text', pattern: 'subscribe|sub4sub|follow me', case_insensitive: true, label: 'SPAM' });
  await call('POST', `${lfs}/regex`, { name: 'free_stuff', field: 'text', pattern: '\\b(free|giveaway|win|earn)\\b', case_insensitive: true, label: 'SPAM' });
  await call('POST', `${lfs}/regex`, { name: 'talks_about_the_song', field: 'text', pattern: '\\b(song|beat|memories|classic|dancing)\\b', case_insensitive: true, label: 'HAM' });
  await call('POST', `${lfs}/template`, { name: 'short_comment', field: 'text_length', operator: '<', value: 30, label: 'HAM' });
  await call('POST', `${lfs}/template`, { name: 'prolific_author', field: 'author_comments', operator: '>=', value: 20, label: 'SPAM' });
  await call('POST', `${lfs}/template`, { name: 'well_liked', field: 'likes', operator: '>', value: 20, label: 'HAM' });
  await call('POST', `${lfs}/sql`, { name: 'short_with_link', expression: 'has_link AND text_length < 60', label: 'SPAM' });
  const custom = await call('POST', `${lfs}/custom`, {
    name: 'names_the_artist',
    code: '(row: Row) => /psy|katy|lmfao|eminem|shakira/i.test(row.text ?? "") ? 0 : ABSTAIN',
    label: 'HAM',
  });
  await call('POST', `${lfs}/${custom.lf_id}/approve`, {});
  await call('PUT', `${c}/gold-labels`, { labels: gold });

  if (opts.materialize) {
    await call('POST', `${c}/indexes/${index.id}/materialize`);
    for (const rule of rules) await call('POST', `${c}/rules/${rule.id}/materialize`);
  }
  return concept.c_id;
}
