#!/usr/bin/env node
// The `reef` command. Node >= 22 runs the TypeScript sources directly (type stripping), so there is no build step.

// A materialization holds up to three libuv pool threads while it runs (the blocking opens of its two named pipes,
// and DuckDB's query); with Node's default pool of 4, two at once deadlock. The pool is sized on first use, so
// this must come before anything is imported.
process.env.UV_THREADPOOL_SIZE ??= '32';
await import('../cli/main.ts');
