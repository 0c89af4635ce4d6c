// A small source database for the end-to-end flow: comments that are spam or ham, in the machine's PostgreSQL.
import postgres from 'postgres';

export const SOURCE_DB = 'reef_e2e_source';
/** The login the studio's connection uses: it may only read `comments` (Reef refuses logins that can write). */
export const SOURCE_READER = 'reef_e2e_fixture_reader';
const adminUrl = process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const spam = ['Buy cheap watches now at http://deals.example', 'FREE money!!! click here', 'Win a prize, visit http://win.example',
  'Subscribe to my channel for free gifts', 'Cheap pills, best price, click now'];
const ham = ['Great video, thanks for sharing', 'I learned a lot from this lesson', 'The second part was my favourite',
  'Could you explain the last step again?', 'This song reminds me of summer'];

/** Recreates the source database with `rows` comments (deterministic: even ids ham, every third spam-like). */
export async function createSourceDatabase(rows = 2000): Promise<void> {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => undefined });
  await admin.unsafe(`DROP DATABASE IF EXISTS ${SOURCE_DB} WITH (FORCE)`);
  await admin.unsafe(`CREATE DATABASE ${SOURCE_DB}`);
  await admin.end();
  const db = postgres(adminUrl.replace(/\/[^/]*$/, `/${SOURCE_DB}`), { max: 1, onnotice: () => undefined });
  await db`CREATE TABLE comments (id bigint PRIMARY KEY, author text NOT NULL, text text NOT NULL, true_label text NOT NULL)`;
  const values = Array.from({ length: rows }, (_, i) => {
    const isSpam = i % 3 === 0;
    const pool = isSpam ? spam : ham;
    return { id: i + 1, author: `user${i % 97}`, text: `${pool[i % pool.length]} #${i}`, true_label: isSpam ? 'SPAM' : 'HAM' };
  });
  for (let i = 0; i < values.length; i += 1000) await db`INSERT INTO comments ${db(values.slice(i, i + 1000))}`;
  await db.unsafe(`DROP ROLE IF EXISTS ${SOURCE_READER}; CREATE ROLE ${SOURCE_READER} LOGIN; GRANT SELECT ON comments TO ${SOURCE_READER}`);
  await db.end();
}

export async function dropSourceDatabase(): Promise<void> {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => undefined });
  await admin.unsafe(`DROP DATABASE IF EXISTS ${SOURCE_DB} WITH (FORCE)`);
  await admin.unsafe(`DROP ROLE IF EXISTS ${SOURCE_READER}`);
  await admin.end();
}

/** The API calls a user would make before opening the studio: a concept and a connection to the source. */
export async function createConceptAndConnection(url: string, token: string): Promise<{ cId: string; connId: string }> {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(url + path, { method, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<T>;
  };
  const concept = await call<{ c_id: string }>('POST', '/api/concepts', { name: 'comment-spam', description: 'Spam comments', values: ['HAM', 'SPAM'] });
  const conn = await call<{ conn_id: string }>('POST', '/api/connections', {
    name: 'comments-db', connection_type: 'postgresql', host: '127.0.0.1', port: 5432, database: SOURCE_DB, username: SOURCE_READER,
  });
  return { cId: concept.c_id, connId: conn.conn_id };
}
