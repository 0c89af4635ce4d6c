// The one way to the API, for the page and its workers alike (so no React and no DOM here): the token rides in the
// Authorization header, JSON goes in and comes out, and a failure arrives as an ApiRequestError carrying the API's
// `{ error: { code, message } }`. Each aggregate's paths live beside this file (concepts.ts, training.ts, …).

export class ApiRequestError extends Error {
  readonly code: string;
  readonly status: number;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** The token a call sends when it names none: the page's signed-in session (session.ts); workers pass theirs. */
let defaultToken: () => string | null = () => null;
export const setTokenSource = (source: () => string | null) => { defaultToken = source; };

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** A body sent as JSON. */
  json?: unknown;
  /** A body sent as it is (a file, Parquet bytes), with its content type. */
  body?: BodyInit;
  contentType?: string;
  accept?: string;
  signal?: AbortSignal;
  /** Workers have no session: they pass the token the page gave them. */
  token?: string;
}

/** The response of a request that succeeded; anything else throws ApiRequestError with the API's code and message. */
export async function request(path: string, options: RequestOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { Authorization: `Bearer ${options.token ?? defaultToken() ?? ''}` };
  const contentType = options.json === undefined ? options.contentType : 'application/json';
  if (contentType) headers['Content-Type'] = contentType;
  if (options.accept) headers.Accept = options.accept;
  const res = await fetch(path, {
    method: options.method ?? 'GET', headers, signal: options.signal,
    body: options.json === undefined ? options.body : JSON.stringify(options.json),
  });
  if (!res.ok) {
    const payload = await res.json().catch(() => undefined) as { error?: { code: string; message: string } } | undefined;
    const error = payload?.error ?? { code: 'HTTP_ERROR', message: `${res.status} ${res.statusText}` };
    throw new ApiRequestError(res.status, error.code, error.message);
  }
  return res;
}

/** The JSON a request answers with (undefined for 204 No Content). */
export async function requestJson<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const res = await request(path, options);
  if (res.status === 204) return undefined as T;
  return await res.json().catch(() => undefined) as T;
}

/** A path with each interpolated value URL-encoded: apiPath`/api/concepts/${cId}`. */
export function apiPath(strings: TemplateStringsArray, ...values: (string | number)[]): string {
  return strings.reduce((path, s, i) => path + s + (i < values.length ? encodeURIComponent(String(values[i])) : ''), '');
}
