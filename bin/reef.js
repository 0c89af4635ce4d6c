#!/usr/bin/env node
// The `reef` command. Node >= 22.18 runs the TypeScript sources directly (type stripping without a flag), so there
// is no build step. On an older Node the import below would die with ERR_UNKNOWN_FILE_EXTENSION: say so first.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  console.error(`reef needs Node.js 22.18 or newer (this is ${process.version}); install Node 24 LTS from https://nodejs.org or with your version manager (e.g. \`nvm install 24\`).`);
  process.exit(1);
}

// A materialization holds up to three libuv pool threads while it runs (the blocking opens of its two named pipes,
// and DuckDB's query); with Node's default pool of 4, two at once deadlock. The pool is sized on first use, so
// this must come before anything is imported.
process.env.UV_THREADPOOL_SIZE ??= '32';
await import('../cli/main.ts');
