// Cloudflare Workers entry point: the same createApp as node.ts, with PostgreSQL reached over TCP by postgres.js.
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { createApp } from './app.ts';
import * as schema from './db/schema.ts';

/** Bindings from wrangler.toml vars and secrets. */
export interface WorkerEnv {
  DATABASE_URL: string;
  /** Seals connection passwords; must be the same secret the Node servers use. */
  REEF_SECRET: string;
}

interface WorkerContext { waitUntil(promise: Promise<unknown>): void }

function missingConfig(names: string[]): Response {
  return Response.json({
    error: { code: 'INTERNAL', message: `The Worker is missing ${names.join(' and ')}; set them with \`wrangler secret put\`.` },
  }, { status: 500 });
}

export default {
  async fetch(request: Request, env: WorkerEnv, ctx: WorkerContext): Promise<Response> {
    const missing = (['DATABASE_URL', 'REEF_SECRET'] as const).filter((name) => !env[name]);
    if (missing.length > 0) return missingConfig(missing);
    // A Worker may not reuse a socket opened by another request, so each request gets its own connection,
    // closed after the response is sent.
    const client = postgres(env.DATABASE_URL, { max: 1, fetch_types: false, onnotice: () => {} });
    const db = drizzle(client, { schema });
    try {
      return await createApp({ db, secret: env.REEF_SECRET, databaseKind: 'postgres', databaseUrl: env.DATABASE_URL }).fetch(request);
    } finally {
      ctx.waitUntil(client.end());
    }
  },
};
