import type { Command } from 'commander';
import { and, eq, inArray } from 'drizzle-orm';
import { loadConfig } from '../edge-api/config.ts';
import { concepts, conceptIndexes, conceptRules, databaseConnections } from '../edge-api/db/schema.ts';
import { DEMO_CONCEPT, writeDemoComments } from '../edge-api/demo/seed.ts';
import { openRuntime } from '../edge-api/node.ts';
import { startMaterialization } from '../edge-api/materialize/runs.ts';
import { getRun } from '../edge-api/runs/run-store.ts';
import { startWorker } from '../edge-api/runs/worker.ts';

export function registerDemoCommand(program: Command): void {
  program.command('demo')
    .description(`Regenerate the demo dataset of the "${DEMO_CONCEPT}" concept at another size and materialize it again`)
    .requiredOption('--rows <n>', 'number of comments, e.g. 1000000')
    .action(async (opts: { rows: string }) => {
      const rows = Number(opts.rows);
      if (!Number.isSafeInteger(rows) || rows < 1) {
        console.error('reef demo: --rows must be a positive whole number, e.g. --rows 1000000');
        process.exit(2);
      }
      const runtime = await openRuntime(loadConfig());
      const { db } = runtime.database;
      const [concept] = await db.select().from(concepts).where(eq(concepts.name, DEMO_CONCEPT));
      if (!concept) {
        console.error(`reef demo: there is no "${DEMO_CONCEPT}" concept; start reef serve once on an empty database to create it.`);
        process.exit(2);
      }
      const indexes = await db.select().from(conceptIndexes).where(eq(conceptIndexes.conceptId, concept.id));
      const rules = await db.select().from(conceptRules).where(eq(conceptRules.conceptId, concept.id));
      const connIds = [...new Set([...indexes, ...rules].map((a) => a.connId))];
      const [connection] = await db.select().from(databaseConnections)
        .where(and(inArray(databaseConnections.id, connIds), eq(databaseConnections.connectionType, 'files')));
      if (!connection) {
        console.error('reef demo: the demo concept no longer reads a files connection; nothing to regenerate.');
        process.exit(2);
      }
      const started = Date.now();
      await writeDemoComments(runtime.store, connection.id, rows);
      console.log(`reef demo: wrote ${rows.toLocaleString('en')} comments in ${((Date.now() - started) / 1000).toFixed(1)} s; materializing…`);
      await startWorker(runtime.materializer, { concurrency: 2 });
      const runIds: string[] = [];
      for (const a of indexes) runIds.push((await startMaterialization(runtime.materializer, 'indexes', a.id, 'reef demo')).id);
      for (const a of rules) runIds.push((await startMaterialization(runtime.materializer, 'rules', a.id, 'reef demo')).id);
      for (;;) {
        const statuses = await Promise.all(runIds.map(async (id) => (await getRun(db, id))!));
        if (statuses.every((r) => ['SUCCESS', 'FAILURE', 'CANCELED'].includes(r.status))) {
          for (const r of statuses) console.log(`  ${(r.params as { asset_name: string }).asset_name}: ${r.status}${r.error ? ` — ${(r.error as { message: string }).message}` : ''}`);
          await runtime.close();
          process.exit(statuses.every((r) => r.status === 'SUCCESS') ? 0 : 1);
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    });
}
