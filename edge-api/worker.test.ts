// The Workers entry point, run for real: `wrangler dev --local` (workerd) against a throwaway PostgreSQL database.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiTokens } from './db/schema.ts';
import { createThrowawayPostgres, testDatabaseUrl } from './db/test-databases.ts';
import { hashToken } from './security/secrets.ts';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const adminToken = `worker_test_${randomBytes(12).toString('hex')}`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Polls /api/health until the Worker answers. Fails early with wrangler's output if it exits, or if the bundle
 * does not build (wrangler dev then waits for a file change instead of exiting).
 */
async function waitForHealth(base: string, child: ChildProcess, output: () => string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}:\n${output()}`);
    if (output().includes('Build failed')) throw new Error(`the Worker bundle does not build:\n${output()}`);
    try {
      const res = await fetch(`${base}/api/health`, { signal: AbortSignal.timeout(10_000) });
      if (res.ok) return await res.json();
    } catch { /* not listening yet, or too slow to answer on a busy machine: ask again */ }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`wrangler dev did not answer /api/health within ${timeoutMs} ms:\n${output()}`);
}

describe.skipIf(!testDatabaseUrl)('Cloudflare Worker (wrangler dev --local) on PostgreSQL', () => {
  const persistDir = mkdtempSync(join(tmpdir(), 'reef-wrangler-'));
  let dropDatabase = async () => {};
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let base = '';
  let output = '';

  beforeAll(async () => {
    const { database, url, drop } = await createThrowawayPostgres('reef_worker');
    dropDatabase = drop;
    await database.db.insert(apiTokens).values({ name: 'worker test admin', role: 'admin', tokenHash: await hashToken(adminToken) });
    await database.close();

    const [port, inspectorPort] = [await freePort(), await freePort()];
    base = `http://127.0.0.1:${port}`;
    child = spawn('npx', [
      'wrangler', 'dev', '--local', '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(inspectorPort),
      '--persist-to', persistDir, '--show-interactive-dev-session=false', '--log-level', 'warn',
      '--var', `DATABASE_URL:${url}`, '--var', 'REEF_SECRET:worker-test-secret',
    ], {
      cwd: repoRoot,
      // Its own process group: wrangler starts workerd children, and killing wrangler alone leaves them running.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
    });
    const spawned = child;
    exited = new Promise((resolve) => spawned.once('exit', () => resolve()));
    spawned.stdout!.on('data', (chunk) => { output += chunk; });
    spawned.stderr!.on('data', (chunk) => { output += chunk; });
    await waitForHealth(base, spawned, () => output, 150_000);
  }, 200_000);

  afterAll(async () => {
    if (child?.pid && child.exitCode === null) {
      process.kill(-child.pid, 'SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid, 'SIGKILL');
    }
    rmSync(persistDir, { recursive: true, force: true });
    await dropDatabase();
  }, 30_000);

  const call = async (method: string, path: string, body?: unknown, token: string | null = adminToken) => {
    const headers: Record<string, string> = {};
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(`${base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };

  it('answers health from PostgreSQL', async () => {
    const health = await call('GET', '/api/health', undefined, null);
    expect(health).toEqual({ status: 200, body: { status: 'ok', database: 'postgres', version: '0.1.0' } });
  });

  it('serves the definitions API with the same auth and errors as the Node server', async () => {
    expect((await call('GET', '/api/concepts', undefined, null)).status).toBe(401);
    const wrongToken = await call('GET', '/api/concepts', undefined, 'not-a-token');
    expect(wrongToken.status).toBe(401);
    expect(wrongToken.body.error.code).toBe('UNAUTHORIZED');

    const created = await call('POST', '/api/concepts', { name: 'edge spam', values: ['HAM', 'SPAM'] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'edge spam', values: ['HAM', 'SPAM'] });
    const list = await call('GET', '/api/concepts');
    expect(list.body.map((c: { name: string }) => c.name)).toEqual(['edge spam']);

    const lf = await call('POST', `/api/concepts/${created.body.c_id}/labeling-functions/regex`, { name: 'free', field: 'text', pattern: 'free', label: 'SPAM' });
    expect(lf.status).toBe(201);
    expect(lf.body).toMatchObject({ label: 1, label_name: 'SPAM', version: 1 });
    // The custom-LF check runs the TypeScript parser inside workerd too.
    const custom = `/api/concepts/${created.body.c_id}/labeling-functions/custom`;
    const good = await call('POST', custom, { name: 'ts', code: '(row: { text: string }) => row.text.length > 9 ? 1 : -1', label: 1 });
    expect(good.status).toBe(201);
    expect(good.body).toMatchObject({ active: false, requires_approval: true });
    const bad = await call('POST', custom, { name: 'bad', code: 'function (row) { return row.x ==; }', label: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('CUSTOM_LF_INVALID');
    const duplicate = await call('POST', '/api/concepts', { name: 'edge spam', values: ['A', 'B'] });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.error.code).toBe('CONFLICT');
  }, 120_000);
});
