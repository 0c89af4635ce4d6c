// What the end-to-end test and the web benchmark share: a real `reef serve` on a free port with a throwaway data
// folder, and Debian's Chromium driven by playwright-core with the flags DESIGN.md lists (it cannot download one).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

export interface ReefServer { url: string; token: string; dataDir: string; process: ChildProcess; output: () => string; stop(): Promise<void> }

/**
 * Starts `node bin/reef.js serve` (PORT=0) and waits for the line with its URL and token. The data folder is a fresh
 * one, removed on stop, unless `dataDir` names one to use (and keep).
 */
export async function startReef(options: { dataDir?: string; env?: Record<string, string> } = {}): Promise<ReefServer> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'reef-e2e-'));
  const env = options.env ?? {};
  // node --test marks its children with NODE_TEST_CONTEXT; a server inheriting it would act as a test file and exit.
  const { NODE_TEST_CONTEXT: _testContext, ...parentEnv } = process.env;
  const child = spawn(process.execPath, ['bin/reef.js', 'serve'], {
    cwd: repoRoot, env: { ...parentEnv, PORT: '0', REEF_DATA_DIR: dataDir, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true,
  });
  let output = '';
  const opened = new Promise<{ url: string; token: string }>((resolveOpened, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /Open (http:\/\/127\.0\.0\.1:\d+)\/\?token=(\S+)/.exec(output);
      if (m) resolveOpened({ url: m[1]!, token: m[2]! });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`reef serve exited with ${code} before it was ready:\n${output}`)));
    setTimeout(() => reject(new Error(`reef serve was not ready after 180 s:\n${output}`)), 180_000).unref();
  });
  const { url, token } = await opened;
  return {
    url, token, dataDir, process: child, output: () => output,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        process.kill(-child.pid!, 'SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
        if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
      }
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const chromiumFlags = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];

export interface Browser { context: BrowserContext; close(): Promise<void> }

/** A persistent context in a fresh user-data dir, so no profile state (cache, storage) carries over between runs. */
export async function launchChromium(): Promise<Browser> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'reef-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true, args: chromiumFlags,
    viewport: { width: 1440, height: 900 },
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Replaces the text of the Monaco editor labelled `label` inside `scope`. */
export async function typeInEditor(scope: Locator, label: string, text: string): Promise<void> {
  const editor = scope.locator(`[aria-label="${label}"] .monaco-editor`).first();
  await editor.waitFor();
  await editor.click();
  const { keyboard } = scope.page();
  await keyboard.press('ControlOrMeta+A');
  await keyboard.press('Delete');
  // Key by key, as a person types: the editor's auto-closed brackets and quotes are typed over, and its suggestions
  // open as they would (a text without Enter or Tab never accepts one on its own).
  await keyboard.type(text, { delay: 10 });
}

export interface Studio { server: ReefServer; page: Page; requested: string[]; close(): Promise<void> }

/** A fresh `reef serve` and a Chromium page beside it; every URL the browser requests is recorded in `requested`. */
export async function openStudio(): Promise<Studio> {
  const server = await startReef();
  const browser = await launchChromium().catch(async (error: unknown) => {
    await server.stop();
    throw error;
  });
  const page = await browser.context.newPage();
  const requested: string[] = [];
  browser.context.on('request', (r) => requested.push(r.url()));
  return {
    server, page, requested,
    async close() {
      await browser.close();
      await server.stop();
    },
  };
}

/** One studio for an e2e file: opened before its tests (with its screenshots folder), closed after them. */
export function studioPerFile(artifacts: string): () => Studio {
  let studio: Studio | undefined;
  before(async () => {
    mkdirSync(artifacts, { recursive: true });
    studio = await openStudio();
  });
  after(async () => { await studio?.close(); });
  return () => studio!;
}

/** The API as the server's admin: a test's set-up and its checks against what the page shows. */
export async function apiAs<T>(server: ReefServer, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${server.url}${path}`, {
    method, headers: { Authorization: `Bearer ${server.token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${await res.clone().text()}`);
  return (res.status === 204 ? undefined : res.json()) as Promise<T>;
}

interface DemoCatalog { indexes: { id: string; is_materialized: boolean }[]; rules: { id: string; is_materialized: boolean }[]; labeling_functions: { id: string; active: boolean }[] }

/** The demo concept once the first start has materialized every index and rule (it does so in the background). */
export async function demoReady(server: ReefServer): Promise<{ cId: string; name: string; catalog: DemoCatalog }> {
  for (let waited = 0; waited < 300_000; waited += 500) {
    const [concept] = await apiAs<{ c_id: string; name: string }[]>(server, 'GET', '/api/concepts');
    if (concept) {
      const catalog = await apiAs<DemoCatalog>(server, 'GET', `/api/concepts/${concept.c_id}/catalog`);
      if (catalog.indexes.length > 0 && [...catalog.indexes, ...catalog.rules].every((a) => a.is_materialized)) return { cId: concept.c_id, name: concept.name, catalog };
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('the demo was not materialized within 5 minutes');
}
