// Stands in for @duckdb/node-bindings, the native addon under @duckdb/node-api, in the Workers bundle: a Worker
// cannot load a .node file. Nothing on Workers calls DuckDB (files connections need the object store, which a
// Worker does not have, and runs stay on Node workers); if something ever does, it fails with this message.
function unavailable(): never {
  throw new Error('DuckDB is not available on Cloudflare Workers; run this on a Node server (`reef serve` or `reef worker`).');
}

/** The only values @duckdb/node-api reads from the addon while loading (checked against 1.5.x). */
const readOnLoad: Record<string, unknown> = { sizeof_bool: 1, ResultType: {}, StatementType: {} };

export default new Proxy(readOnLoad, { get: (target, name) => (typeof name === 'string' && name in target ? target[name] : unavailable) });
