// Reef on Node: the API, the built web app, and (later) an in-process worker, on one port.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { serve, type ServerType } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import { eq } from 'drizzle-orm';
import { createApp } from './app.ts';
import { keptValue, type ReefConfig } from './config.ts';
import { migrateDatabase, openDatabase, type Database } from './db/client.ts';
import { apiTokens } from './db/schema.ts';
import { generateToken, hashToken } from './security/secrets.ts';

export const webDist = fileURLToPath(new URL('../web/dist', import.meta.url));

export async function openConfiguredDatabase(config: ReefConfig): Promise<Database> {
  const database = await openDatabase({ url: config.databaseUrl, dataDir: `${config.dataDir}/pgdata` });
  await migrateDatabase(database);
  return database;
}

/** The admin token: REEF_ADMIN_TOKEN, or one generated once and kept in the data folder. Its hash is ensured in the DB. */
export async function ensureAdminToken(database: Database, config: ReefConfig): Promise<string> {
  const token = config.adminToken ?? keptValue(config.dataDir, 'admin-token', () => generateToken());
  const tokenHash = await hashToken(token);
  const [existing] = await database.db.select().from(apiTokens).where(eq(apiTokens.tokenHash, tokenHash));
  if (!existing) await database.db.insert(apiTokens).values({ name: 'admin', role: 'admin', tokenHash });
  return token;
}

export interface RunningServer { url: string; token: string; server: ServerType; database: Database; close(): Promise<void> }

export async function startServer(config: ReefConfig): Promise<RunningServer> {
  const database = await openConfiguredDatabase(config);
  const token = await ensureAdminToken(database, config);
  const app = createApp({ db: database.db, secret: config.secret, databaseKind: database.kind });
  if (existsSync(webDist)) {
    // Parquet and other assets are served as they are: no on-the-fly compression, so range requests stay exact.
    app.get('*', serveStatic({ root: webDist }));
    app.get('*', serveStatic({ root: webDist, path: 'index.html' }));
  }
  const server = await new Promise<ServerType>((resolveServer) => {
    const s = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () => resolveServer(s));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host}:${port}`;
  return {
    url, token, server, database,
    async close() {
      await new Promise<void>((r) => server.close(() => r()));
      await database.close();
    },
  };
}
