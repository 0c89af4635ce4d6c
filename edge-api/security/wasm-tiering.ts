// libpg-query is PostgreSQL's parser compiled to WebAssembly. After a few dozen parses, V8 tiers its functions up to
// TurboFan in the background, and optimizing the parser's one huge function (bison's yyparse) took ~550 MB of RSS
// for about a second (measured on Node 24: peak RSS 650 MB instead of 100 MB; a materializing worker's peak followed
// it). Liftoff, V8's baseline wasm compiler, parses fast enough (50 parses in ~50 ms vs ~160 ms with tiering)
// without the spike. `--liftoff-only` is not honoured once V8 is running, but a tiering budget no function reaches
// is, for modules instantiated after it is set: this module sets it when imported, and sql-guard.ts imports it
// before libpg-query. It is process-wide: wasm instantiated later in the same process (e.g. a QuickJS sandbox)
// also stays on Liftoff. Where V8 flags cannot be set (Cloudflare Workers) it does nothing.
try {
  const v8 = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule?.('node:v8') as
    | { setFlagsFromString?: (flags: string) => void }
    | undefined;
  v8?.setFlagsFromString?.('--wasm-tiering-budget=1000000000');
} catch {
  // Not Node: the runtime decides how it compiles wasm.
}
