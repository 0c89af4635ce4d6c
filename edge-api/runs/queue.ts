// The job queue is pg-boss on Reef's own database: PostgreSQL for any number of `reef worker` processes,
// or the embedded PGlite (in-process adapter) so the embedded default keeps the same code path.
import { PgBoss, fromPglite } from 'pg-boss';
import type { Database } from '../db/client.ts';
import { QUEUES } from './queue-names.ts';

export { QUEUES };

export interface QueueConnection { databaseUrl?: string; database: Database }

export async function openQueue({ databaseUrl, database }: QueueConnection): Promise<PgBoss> {
  // Supervision finds jobs whose worker stopped beating every 10 s instead of the default minute.
  const maintenance = { schema: 'pgboss', superviseIntervalSeconds: 10, monitorIntervalSeconds: 10 };
  const boss = database.kind === 'pglite'
    ? new PgBoss({ db: fromPglite(database.pglite!), ...maintenance })
    : new PgBoss({ connectionString: databaseUrl ?? database.url, max: 4, ...maintenance });
  boss.on('error', (err) => console.error('reef queue:', err));
  await boss.start();
  for (const name of Object.values(QUEUES)) {
    await boss.createQueue(name, {
      // A worker that dies stops sending heartbeats; its job goes back to the queue within ~20 s.
      heartbeatSeconds: 10,
      retryLimit: 4,
      retryDelay: 2,
      retryBackoff: true,
      retryDelayMax: 60,
      expireInSeconds: 6 * 3600,
    });
  }
  return boss;
}
