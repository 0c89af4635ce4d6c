// "Run on server" from a results page: the same training request, pinned anew and trained by the workers.
import { api } from '../api/client.ts';
import { navigate } from '../navigation.ts';
import { resultsPath } from '../routes.ts';

/** Starts the server run and opens its results page; resolves with the error message when the server refuses. */
export async function runOnServer(cId: string, request: unknown): Promise<string | undefined> {
  try {
    const run = await api<{ job_id: string }>('POST', `/api/concepts/${cId}/snorkel/run`, request);
    navigate(resultsPath(cId, run.job_id));
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}
