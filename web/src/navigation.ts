// Client-side navigation over the History API: the pathname is the one piece of state the address bar holds.
import { useSyncExternalStore } from 'react';

const NAVIGATE_EVENT = 'reef:navigate';

export function navigate(path: string): void {
  if (path === window.location.pathname) return;
  window.history.pushState(null, '', path);
  window.dispatchEvent(new Event(NAVIGATE_EVENT));
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('popstate', onChange);
  window.addEventListener(NAVIGATE_EVENT, onChange);
  return () => {
    window.removeEventListener('popstate', onChange);
    window.removeEventListener(NAVIGATE_EVENT, onChange);
  };
}

export const usePathname = () => useSyncExternalStore(subscribe, () => window.location.pathname);
