// The browser's one way to the API: the token rides in a header, errors arrive as { code, message }.
const TOKEN_KEY = 'reef.token';

export class ApiRequestError extends Error {
  readonly code: string;
  readonly status: number;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Signs in from `?token=` once, then drops it from the address bar so it is not shared or bookmarked. */
export function takeTokenFromUrl(): void {
  const url = new URL(window.location.href);
  const token = url.searchParams.get('token');
  if (!token) return;
  sessionStorage.setItem(TOKEN_KEY, token);
  url.searchParams.delete('token');
  window.history.replaceState(null, '', url.toString());
}

export const getToken = () => sessionStorage.getItem(TOKEN_KEY);
export const setToken = (token: string | null) =>
  token ? sessionStorage.setItem(TOKEN_KEY, token) : sessionStorage.removeItem(TOKEN_KEY);

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    headers: { Authorization: `Bearer ${getToken() ?? ''}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 204) return undefined as T;
  const payload = await res.json().catch(() => undefined);
  if (!res.ok) {
    const error = payload?.error ?? { code: 'HTTP_ERROR', message: `${res.status} ${res.statusText}` };
    throw new ApiRequestError(res.status, error.code, error.message);
  }
  return payload as T;
}

/** Downloads an API resource as a file named `name`; an API error is thrown with its message, not saved. */
export async function downloadFromApi(path: string, name: string): Promise<void> {
  const res = await fetch(path, { headers: { Authorization: `Bearer ${getToken() ?? ''}` } });
  if (!res.ok) {
    const error = (await res.json().catch(() => undefined))?.error ?? { code: 'HTTP_ERROR', message: `The download failed (HTTP ${res.status}).` };
    throw new ApiRequestError(res.status, error.code, error.message);
  }
  const href = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = href;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
}
