// A Reef worker: takes partition jobs from the queue. `reef worker` runs one per process (any number, on any machine
// that reaches the same PostgreSQL and object store); `reef serve` also runs one in-process unless told not to.
import type { PgBoss } from 'pg-boss';
import type { Db } from '../db/client.ts';
import { isTransientMaterializeError, streamQueryToParquet } from '../materialize/parquet-copy.ts';
import { sourceForConnection } from '../sources/from-connection.ts';
import type { ObjectStore } from '../storage/index.ts';
import { materializePartition, type MaterializeContext, type PartitionJob } from '../materialize/runs.ts';
import { QUEUES } from './queue-names.ts';

export function createMaterializer(deps: { db: Db; store: ObjectStore; boss: PgBoss; secret: string }): MaterializeContext {
  return {
    ...deps,
    async writeQueryToParquet({ connection, sql, params, key, onProgress, signal }) {
      const source = await sourceForConnection(connection, deps);
      return streamQueryToParquet(source, sql, params, deps.store, key, { onProgress, signal });
    },
    isTransient: isTransientMaterializeError,
    describeError(err, where) {
      const e = err as { code?: unknown; message?: unknown };
      const code = typeof e.code === 'string' ? e.code : 'MATERIALIZE_FAILED';
      const message = typeof e.message === 'string' ? e.message : String(err);
      return { code, message: where.partition === 'all' ? message : `Partition ${where.partition}: ${message}` };
    },
  };
}

export interface WorkerOptions {
  /** Partition jobs this process runs at once (REEF_WORKER_CONCURRENCY; DEFAULT_WORKER_CONCURRENCY). */
  concurrency?: number;
}

export const DEFAULT_WORKER_CONCURRENCY = 2;

/**
 * Registers the job handlers; returns when the worker is polling. With two slots or more, one asset's partitions
 * take at most all but one of them, so a long materialization never holds back the other assets' jobs.
 */
export async function startWorker(ctx: MaterializeContext, opts: WorkerOptions = {}): Promise<void> {
  const concurrency = Math.max(1, Math.trunc(opts.concurrency ?? DEFAULT_WORKER_CONCURRENCY));
  await ctx.boss.work(
    QUEUES.materializePartition,
    {
      localConcurrency: concurrency,
      ...(concurrency > 1 ? { localGroupConcurrency: concurrency - 1 } : {}),
      pollingIntervalSeconds: 0.5,
      includeMetadata: true,
    },
    async ([job]) => {
      await materializePartition(ctx, job!.data as PartitionJob, { retryCount: job!.retryCount, retryLimit: job!.retryLimit });
    },
  );
}

