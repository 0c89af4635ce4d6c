import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const reef = fileURLToPath(new URL('../bin/reef.js', import.meta.url));

/** Starts `reef serve` as a user would and waits for the URL it prints. */
function startReef(env: Record<string, string>): Promise<{ child: ChildProcess; url: string; token: string }> {
  const child = spawn(process.execPath, [reef, 'serve', '--no-build'], { env: { ...process.env, ...env, DATABASE_URL: '' } });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stderr!.on('data', (d) => { out += d; });
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /Open (http:\/\/[^/\s]+)\/\?token=(\S+)/.exec(out);
      if (m) resolve({ child, url: m[1]!, token: m[2]! });
    });
    child.on('exit', (code) => reject(new Error(`reef serve exited with ${code}: ${out}`)));
  });
}

/** Stops a server and waits until it has exited, so nothing still writes into its data folder. */
function stopReef(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill();
  });
}

describe('reef serve (embedded default)', () => {
  let dataDir: string;
  let server: Awaited<ReturnType<typeof startReef>>;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'reef-serve-'));
    server = await startReef({ REEF_DATA_DIR: dataDir, PORT: '0' });
  });
  afterAll(async () => {
    if (server) await stopReef(server.child);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers health without a token and the API only with the printed one', async () => {
    const health = await fetch(`${server.url}/api/health`);
    expect(await health.json()).toMatchObject({ status: 'ok', database: 'pglite' });
    expect((await fetch(`${server.url}/api/concepts`)).status).toBe(401);
    const authed = await fetch(`${server.url}/api/concepts`, { headers: { Authorization: `Bearer ${server.token}` } });
    expect(authed.status).toBe(200);
  });

  it('serves the OpenAPI document with the seed paths', async () => {
    const doc = await (await fetch(`${server.url}/openapi.json`)).json();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/health', '/api/concepts', '/api/concepts/{c_id}']));
  });

  it('serves /api/docs with Swagger UI from its own files (no CDN), which work with the app\'s isolation headers', async () => {
    const html = await (await fetch(`${server.url}/api/docs`)).text();
    expect(html).not.toContain('cdn.jsdelivr.net');
    const assets = [...html.matchAll(/(?:src|href)="([^"]+swagger-ui[^"]*)"/g)].map((m) => m[1]!);
    expect(assets).toEqual(expect.arrayContaining([expect.stringMatching(/swagger-ui-bundle\.js$/), expect.stringMatching(/swagger-ui\.css$/)]));
    for (const asset of assets) {
      const res = await fetch(new URL(asset, server.url));
      expect(res.status, asset).toBe(200);
      expect((await res.arrayBuffer()).byteLength, asset).toBeGreaterThan(10_000);
    }
  });

  it('keeps the admin token across restarts, and REEF_ADMIN_TOKEN replaces it', async () => {
    await stopReef(server.child);
    const again = await startReef({ REEF_DATA_DIR: dataDir, PORT: '0' });
    expect(again.token).toBe(server.token);
    await stopReef(again.child);
    const chosen = await startReef({ REEF_DATA_DIR: dataDir, PORT: '0', REEF_ADMIN_TOKEN: 'my-chosen-admin-token' });
    server = chosen;
    expect(chosen.token).toBe('my-chosen-admin-token');
    const authed = await fetch(`${chosen.url}/api/concepts`, { headers: { Authorization: 'Bearer my-chosen-admin-token' } });
    expect(authed.status).toBe(200);
  }, 240_000); // three server starts (embedded PostgreSQL and its migrations each time) on a busy machine
});
