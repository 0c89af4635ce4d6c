// Keeping a browser training on the server: its results Parquet (with the training in its metadata) uploaded as a
// run (POST …/snorkel/browser-runs, edge-api/training/train-browser.ts). DOM-free: the data worker calls it, so the
// upload's bytes never pass through the main thread.

/** The metadata key the server reads a browser training from. */
export const BROWSER_TRAINING_KEY = 'reef.browser_training';

/** Uploads the results Parquet as a run; its job id, or why the server did not keep it. */
export async function keepOnServer(cId: string, token: string, parquet: ArrayBuffer, origin = self.location.origin): Promise<{ jobId: string } | { error: string }> {
  try {
    const res = await fetch(`${origin}/api/concepts/${cId}/snorkel/browser-runs`, {
      method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/vnd.apache.parquet' }, body: parquet,
    });
    const payload = await res.json().catch(() => undefined);
    if (!res.ok) return { error: `${payload?.error?.message ?? `${res.status} ${res.statusText}`} (${payload?.error?.code ?? 'HTTP_ERROR'})` };
    return { jobId: payload.job_id as string };
  } catch (e) {
    return { error: (e as Error).message };
  }
}
