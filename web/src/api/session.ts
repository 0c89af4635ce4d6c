// This tab's signed-in token: taken once from `?token=`, kept in sessionStorage, sent by every page request.
import { setTokenSource } from './request.ts';

const TOKEN_KEY = 'reef.token';

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

setTokenSource(getToken);
