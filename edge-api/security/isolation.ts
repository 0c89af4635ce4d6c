// Cross-origin isolation for the studio served by Node: COOP + COEP make the page crossOriginIsolated, which
// gives it SharedArrayBuffer, so DuckDB-WASM runs its threaded `coi` bundle for SQL cells. Everything the app
// loads (bundles, wasm, workers, Parquet, the API) comes from its own origin, so require-corp blocks nothing,
// and nothing needs the network: it works offline. CORP same-origin keeps other sites from embedding responses.
export const ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

type Fetch = (request: Request, ...rest: never[]) => Response | Promise<Response>;

/** Wraps a fetch handler so every response carries the isolation headers. */
export function withCrossOriginIsolation<F extends Fetch>(fetch: F): F {
  return (async (request: Request, ...rest: never[]) => {
    let response = await fetch(request, ...rest);
    // A response that chose its own CORP (public files such as Pyodide's, for the opaque-origin sandbox) keeps it.
    const headers = Object.entries(ISOLATION_HEADERS).filter(([name]) => !(name === 'Cross-Origin-Resource-Policy' && response.headers.has(name)));
    try {
      for (const [name, value] of headers) response.headers.set(name, value);
    } catch {
      // A response with immutable headers (e.g. one passed through from fetch()): copy it.
      response = new Response(response.body, response);
      for (const [name, value] of headers) response.headers.set(name, value);
    }
    return response;
  }) as F;
}
