// A server that logs anyone in and then never answers must not end the Reef process: postgres.js's own startup
// query fails unhandled when the test gives up (postgres-orphans.ts). Run in a child process, where Node's default
// for unhandled rejections applies, as in `reef serve`.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { isOrphanedTypeFetch } from './postgres-orphans.ts';

const run = (script: string) => promisify(execFile)(process.execPath, [script], { timeout: 30_000 });

describe('postgres.js startup orphans', () => {
  it('a connection test against a server that stalls after login fails with a code and the process lives on; other rejections stay fatal', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'reef-orphan-'));
    try {
      const stalled = join(dir, 'stalled.ts');
      await writeFile(stalled, `
        import { createServer } from 'node:net';
        import { PostgresSource } from ${JSON.stringify(join(import.meta.dirname, 'postgres.ts'))};
        const server = createServer((socket) => {
          // AuthenticationOk and ReadyForQuery, then silence.
          socket.once('data', () => socket.write(Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 0, 0x5a, 0, 0, 0, 5, 0x49])));
        });
        await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
        const source = new PostgresSource({ host: '127.0.0.1', port: server.address().port, database: 'x', username: 'u', connectTimeoutMs: 1000 });
        const code = await source.testConnection().then(() => 'connected', (error) => error.code);
        setTimeout(() => { console.log(code, 'alive'); process.exit(0); }, 1000);
      `);
      expect((await run(stalled)).stdout.trim()).toBe('SOURCE_CONNECT_TIMEOUT alive');

      const other = join(dir, 'other.ts');
      await writeFile(other, `
        import { ignoreOrphanedTypeFetches } from ${JSON.stringify(join(import.meta.dirname, 'postgres-orphans.ts'))};
        ignoreOrphanedTypeFetches();
        Promise.reject(new Error('another failure'));
        setTimeout(() => console.log('alive'), 500);
      `);
      await expect(run(other)).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('another failure') });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('recognises only postgres.js\'s array-types query', () => {
    const orphan = Object.assign(new Error('write CONNECTION_DESTROYED'), {
      query: '\n      select b.oid, b.typarray\n      from pg_catalog.pg_type a\n      left join pg_catalog.pg_type b on b.oid = a.typelem\n',
    });
    expect(isOrphanedTypeFetch(orphan)).toBe(true);
    expect(isOrphanedTypeFetch(Object.assign(new Error('x'), { query: 'select 1' }))).toBe(false);
    expect(isOrphanedTypeFetch(null)).toBe(false);
  });
});
