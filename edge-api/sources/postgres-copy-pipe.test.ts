// needs: postgresql
import pg from 'pg';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgTestDb } from './pg-test-db.ts';
import type { PgTestDb } from './pg-test-db.ts';
import { CopySocket, CopyToStream } from './postgres-copy.ts';

let db: PgTestDb;
let client: pg.Client;
let dir: string;

beforeAll(async () => {
  db = await createPgTestDb('copypipe');
  client = new pg.Client({ host: db.config.host, port: db.config.port, user: db.config.username, database: db.config.database, stream: () => new CopySocket() });
  await client.connect();
  dir = await mkdtemp(join(tmpdir(), 'reef-copy-pipe-'));
});

afterAll(async () => {
  await client?.end();
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

/** A Unix socket standing in for DuckDB's pipe: its reader reads nothing until `read()` is called. */
async function idlePipe(name: string): Promise<{ writer: Promise<Socket>; read: () => Promise<Buffer>; server: Server }> {
  const path = join(dir, name);
  let accept!: (socket: Socket) => void;
  const accepted = new Promise<Socket>((resolve) => (accept = resolve));
  const server = createServer({ pauseOnConnect: true }, accept);
  server.listen(path);
  await once(server, 'listening');
  const writer = new Promise<Socket>((resolve, reject) => {
    const socket = connect(path, () => resolve(socket)).once('error', reject);
  });
  const read = async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of await accepted) chunks.push(chunk as Buffer);
    server.close();
    return Buffer.concat(chunks);
  };
  return { writer, read, server };
}

const ROWS_SQL = 'SELECT g, md5(g::text) AS noise FROM generate_series(1, 100000) g';

describe('CopyToStream.pipeTo', () => {
  it('takes the whole COPY while nobody reads the pipe, then delivers exactly the bytes a plain read gives', async () => {
    const copy = `COPY (${ROWS_SQL}) TO STDOUT (FORMAT csv, HEADER)`;
    const chunks: Buffer[] = [];
    for await (const chunk of client.query(new CopyToStream(copy))) chunks.push(chunk as Buffer);
    const expected = Buffer.concat(chunks);
    const pipe = await idlePipe('whole');
    const csv = client.query(new CopyToStream(copy));
    const piped = csv.pipeTo(pipe.writer);
    // 3.9 MB: far beyond what the socket's kernel buffers hold, so the COPY ended into pipeTo's queue.
    await once(csv, 'end');
    const received = await pipe.read();
    await piped;
    expect(expected.length).toBeGreaterThan(3_500_000);
    expect(received.equals(expected)).toBe(true);
    expect(csv.rowCount).toBe(100_000);
  });

  it('reports each chunk of rows to onData on the way', async () => {
    const pipe = await idlePipe('counted');
    let lines = 0;
    const csv = client.query(new CopyToStream(`COPY (${ROWS_SQL}) TO STDOUT (FORMAT csv)`));
    const piped = csv.pipeTo(pipe.writer, (rows) => {
      for (let i = rows.indexOf(10); i !== -1; i = rows.indexOf(10, i + 1)) lines++;
    });
    const received = await pipe.read();
    await piped;
    expect(lines).toBe(100_000);
    expect(received.toString().split('\n').length - 1).toBe(100_000);
  });

  it("rejects with the server's error when the COPY fails mid-stream, and closes the pipe", async () => {
    const pipe = await idlePipe('failing');
    const csv = client.query(new CopyToStream(`COPY (SELECT g, 1 / (g - 90000) AS boom FROM generate_series(1, 100000) g) TO STDOUT (FORMAT csv)`));
    const piped = csv.pipeTo(pipe.writer);
    await expect(piped).rejects.toMatchObject({ code: '22012' });
    // The reader sees the pipe end early: what it got is a prefix of the rows, never all of them.
    const received = (await pipe.read()).toString();
    expect(received.split('\n').length - 1).toBeLessThan(90_000);
    // The connection is usable again.
    expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });
});
