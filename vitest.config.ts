import { defineConfig } from 'vitest/config';
import { isOrphanedTypeFetch } from './edge-api/sources/postgres-orphans.ts';

// Test workers inherit this: concurrent materializations need more than libuv's default 4 pool threads (bin/reef.js).
process.env.UV_THREADPOOL_SIZE ??= '32';

export default defineConfig({
  test: {
    include: ['shared/**/*.test.ts', 'edge-api/**/*.test.ts', 'web/src/**/*.test.{ts,tsx}', 'cli/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Database suites create their own throwaway databases; two cores is all the machine has.
    maxWorkers: 2,
    // postgres.js's dropped startup query (edge-api/sources/postgres-orphans.ts), which the server ignores too.
    onUnhandledError: (error) => !isOrphanedTypeFetch(error),
  },
});
