import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { loadConfig } from './config.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'reef-config-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
const env = (extra: Record<string, string>) => ({ REEF_DATA_DIR: dataDir, REEF_SECRET: 'x', ...extra });

it('reads the worker concurrency from REEF_WORKER_CONCURRENCY and refuses what is not a count of jobs', () => {
  expect(loadConfig(env({})).workerConcurrency).toBeUndefined();
  expect(loadConfig(env({ REEF_WORKER_CONCURRENCY: '4' })).workerConcurrency).toBe(4);
  for (const bad of ['0', '-1', '1.5', 'two', '1000']) {
    expect(() => loadConfig(env({ REEF_WORKER_CONCURRENCY: bad })), bad).toThrow(/REEF_WORKER_CONCURRENCY must be a whole number of jobs from 1 to 64/);
  }
});
