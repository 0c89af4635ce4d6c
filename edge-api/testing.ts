// Test-only: an app over a test database, with a token per role, and a request helper.
import { sql } from 'drizzle-orm';
import type { PgBoss } from 'pg-boss';
import type { Role } from '../shared/schema/common.ts';
import { createApp } from './app.ts';
import type { Database } from './db/client.ts';
import { rawRows } from './db/raw-rows.ts';
import type { AppDeps } from './env.ts';
import { apiTokens } from './db/schema.ts';
import { testDatabaseUrl } from './db/test-databases.ts';
import { openQueue } from './runs/queue.ts';
import { hashToken } from './security/secrets.ts';

export interface TestApi {
  app: ReturnType<typeof createApp>;
  tokens: Record<Role, string>;
  /** JSON request as `role` (default admin); `body` may be a raw string to send malformed JSON. */
  call(method: string, path: string, opts?: { body?: unknown; as?: Role | null; headers?: Record<string, string> }): Promise<{ status: number; body: any; text: string }>;
}

export const TEST_SECRET = 'test-secret-for-sealing';

/** `deps` adds what a test needs beyond the definitions API (the object store, the materializer). */
export async function createTestApi(database: Database, deps: Partial<AppDeps> = {}): Promise<TestApi> {
  const app = createApp({ db: database.db, secret: TEST_SECRET, databaseKind: database.kind, ...deps });
  const roles: Role[] = ['viewer', 'analyst', 'approver', 'admin'];
  const tokens = Object.fromEntries(roles.map((r) => [r, `test_${r}_token`])) as Record<Role, string>;
  for (const role of roles) {
    await database.db.insert(apiTokens).values({ name: `test ${role}`, role, tokenHash: await hashToken(tokens[role]) });
  }
  return {
    app,
    tokens,
    async call(method, path, opts = {}) {
      const headers: Record<string, string> = { ...opts.headers };
      const as = opts.as === undefined ? 'admin' : opts.as;
      if (as) headers.Authorization = `Bearer ${tokens[as]}`;
      let body: string | undefined;
      if (opts.body !== undefined) {
        headers['Content-Type'] ??= 'application/json';
        body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
      }
      const res = await app.request(path, { method, headers, body });
      const text = await res.text();
      let parsed: unknown;
      try { parsed = text ? JSON.parse(text) : undefined; } catch { parsed = undefined; }
      return { status: res.status, body: parsed, text };
    },
  };
}

/** The run queue on a test database: PGlite in-process, or the throwaway PostgreSQL database by its URL. */
export async function openTestQueue(database: Database): Promise<{ boss: PgBoss; url?: string }> {
  if (database.kind === 'pglite') return { boss: await openQueue({ database }) };
  const [row] = await rawRows<{ name: string }>(database.db, sql`select current_database() as name`);
  const url = new URL(testDatabaseUrl!);
  url.pathname = `/${row!.name}`;
  return { boss: await openQueue({ database, databaseUrl: url.toString() }), url: url.toString() };
}
