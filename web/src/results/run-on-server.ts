// "Run on server" from a results page: the same training request, pinned anew and trained by the workers.
import { startServerTraining } from '../api/training.ts';
import { navigate } from '../navigation.ts';
import { resultsPath } from '../routes.ts';
import type { TrainRequestBody } from '../../../shared/schema/training.ts';

/** Starts the server run and opens its results page; resolves with the error message when the server refuses. */
export async function runOnServer(cId: string, request: TrainRequestBody): Promise<string | undefined> {
  try {
    const run = await startServerTraining(cId, request);
    navigate(resultsPath(cId, run.job_id));
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}
