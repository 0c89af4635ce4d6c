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
