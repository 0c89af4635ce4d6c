// Client-side navigation over the History API: the pathname is the one piece of state the address bar holds.
import { startTransition, useEffect, useState } from 'react';

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

/**
 * The pathname, changed in a transition: a page change (the studio's large tree going, the next page coming) then
 * renders in slices between frames, not as one long main-thread task (useSyncExternalStore would render it at once).
 */
export function usePathname(): string {
  const [pathname, setPathname] = useState(() => window.location.pathname);
  useEffect(() => {
    const update = () => startTransition(() => setPathname(window.location.pathname));
    update(); // a navigation between the first render and this subscription
    return subscribe(update);
  }, []);
  return pathname;
}
