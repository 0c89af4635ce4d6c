// Reef's configuration comes from the environment; with none, everything is embedded in the data folder.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface S3Config { endpoint?: string; bucket: string; region: string; accessKeyId?: string; secretAccessKey?: string }

export interface ReefConfig {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl?: string;
  s3?: S3Config;
  secret: string;
  adminToken?: string;
  /** MLFLOW_TRACKING_URI: training runs are also logged to this MLflow server. */
  mlflowTrackingUri?: string;
  /** REEF_CUSTOM_LF_BUDGET_S: wall-clock budget of one custom LF over one training run (default 600 s). */
  customLfBudgetMs?: number;
  /** REEF_WORKER_CONCURRENCY: materialization jobs one worker process runs at once (default 2). */
  workerConcurrency?: number;
}

/** A value kept in the data folder (mode 0600) so restarts reuse it: the sealing secret, the admin token. */
export function keptValue(dataDir: string, file: string, make: () => string): string {
  const path = join(dataDir, file);
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  const value = make();
  writeFileSync(path, `${value}\n`, { mode: 0o600 });
  return value;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ReefConfig {
  const dataDir = resolve(env.REEF_DATA_DIR ?? '.reef');
  mkdirSync(dataDir, { recursive: true });
  const port = Number(env.PORT ?? 8787);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`PORT must be a port number, got "${env.PORT}"`);
  const budget = env.REEF_CUSTOM_LF_BUDGET_S ? Number(env.REEF_CUSTOM_LF_BUDGET_S) : undefined;
  if (budget !== undefined && !(budget > 0)) throw new Error(`REEF_CUSTOM_LF_BUDGET_S must be a number of seconds above 0, got "${env.REEF_CUSTOM_LF_BUDGET_S}"`);
  const concurrency = env.REEF_WORKER_CONCURRENCY ? Number(env.REEF_WORKER_CONCURRENCY) : undefined;
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency >= 1 && concurrency <= 64)) {
    throw new Error(`REEF_WORKER_CONCURRENCY must be a whole number of jobs from 1 to 64, got "${env.REEF_WORKER_CONCURRENCY}"`);
  }
  return {
    port,
    host: env.HOST ?? '127.0.0.1',
    dataDir,
    databaseUrl: env.DATABASE_URL || undefined,
    s3: env.S3_BUCKET ? {
      endpoint: env.S3_ENDPOINT || undefined,
      bucket: env.S3_BUCKET,
      region: env.S3_REGION ?? 'us-east-1',
      accessKeyId: env.S3_ACCESS_KEY_ID || undefined,
      secretAccessKey: env.S3_SECRET_ACCESS_KEY || undefined,
    } : undefined,
    secret: env.REEF_SECRET || keptValue(dataDir, 'secret', () => randomBytes(32).toString('base64url')),
    adminToken: env.REEF_ADMIN_TOKEN || undefined,
    mlflowTrackingUri: env.MLFLOW_TRACKING_URI || undefined,
    ...(budget === undefined ? {} : { customLfBudgetMs: Math.round(budget * 1000) }),
    ...(concurrency === undefined ? {} : { workerConcurrency: concurrency }),
  };
}
