// The app's addresses. A pure parser, so the pages a URL opens are testable without a browser.
export type Route =
  | { page: 'home' }
  | { page: 'concept'; cId: string }
  | { page: 'results'; cId: string; jobId: string }
  | { page: 'runs'; cId: string }
  | { page: 'not-found'; path: string };

export function parseRoute(pathname: string): Route {
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0) return { page: 'home' };
  if (parts[0] === 'concepts' && parts.length === 2) return { page: 'concept', cId: parts[1]! };
  if (parts[0] === 'concepts' && parts.length === 3 && parts[2] === 'runs') return { page: 'runs', cId: parts[1]! };
  if (parts[0] === 'concepts' && parts.length === 5 && parts[2] === 'snorkel' && parts[3] === 'jobs') {
    return { page: 'results', cId: parts[1]!, jobId: parts[4]! };
  }
  return { page: 'not-found', path: pathname };
}

export const conceptPath = (cId: string) => `/concepts/${encodeURIComponent(cId)}`;
export const resultsPath = (cId: string, jobId: string) =>
  `/concepts/${encodeURIComponent(cId)}/snorkel/jobs/${encodeURIComponent(jobId)}`;
export const runsPath = (cId: string) => `/concepts/${encodeURIComponent(cId)}/runs`;
