import { globSync, readFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { configDefaults, defineConfig, type ViteUserConfig } from 'vitest/config';
import { isOrphanedTypeFetch } from './edge-api/sources/postgres-orphans.ts';

// Test workers inherit this: concurrent materializations need more than libuv's default 4 pool threads (bin/reef.js).
process.env.UV_THREADPOOL_SIZE ??= '32';

const include = ['shared/**/*.test.ts', 'edge-api/**/*.test.ts', 'web/src/**/*.test.{ts,tsx}', 'cli/**/*.test.ts'];

// Test files that read real source databases say so on their first line (`// needs: postgresql mariadb`); when one
// of those servers does not answer, they are skipped with one line saying which and why, instead of failing.
const services = {
  postgresql: { host: process.env.PGHOST ?? '127.0.0.1', port: Number(process.env.PGPORT ?? 5432), env: 'PGHOST/PGPORT' },
  mariadb: { host: process.env.MYSQL_HOST ?? '127.0.0.1', port: Number(process.env.MYSQL_PORT ?? 3306), env: 'MYSQL_HOST/MYSQL_PORT' },
};

function reachable({ host, port }: { host: string; port: number }): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => { socket.destroy(); resolve(ok); };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, host, () => done(true));
  });
}

async function unreachableServiceTests(): Promise<string[]> {
  const down = (await Promise.all(Object.entries(services).map(async ([name, s]) => ((await reachable(s)) ? [] : [name])))).flat();
  if (down.length === 0) return [];
  const needs = include.flatMap((pattern) => globSync(pattern))
    .map((file) => ({ file, needs: /^\/\/ needs: ([\w ]+)/.exec(readFileSync(file, 'utf8'))?.[1]?.split(' ') ?? [] }));
  for (const name of down) {
    const s = services[name as keyof typeof services];
    const files = needs.filter((f) => f.needs.includes(name)).map((f) => f.file);
    console.warn(`reef: ${name} is unreachable at ${s.host}:${s.port}; skipping the ${files.length} test files that need it (start it, or set ${s.env}): ${files.join(', ')}`);
  }
  return needs.filter((f) => f.needs.some((n) => down.includes(n))).map((f) => f.file);
}

export default defineConfig(async (): Promise<ViteUserConfig> => ({
  test: {
    include,
    exclude: [...configDefaults.exclude, ...(await unreachableServiceTests())],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Database suites create their own throwaway databases; two cores is all the machine has.
    maxWorkers: 2,
    // postgres.js's dropped startup query (edge-api/sources/postgres-orphans.ts), which the server ignores too.
    onUnhandledError: (error) => !isOrphanedTypeFetch(error),
  },
}));
