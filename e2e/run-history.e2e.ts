// Run history, as an analyst reads it: two server trainings of the demo pipeline (started through the API, the
// way a schedule or a notebook would), then the studio's "Run history" page opened from the top bar, the two runs
// ticked and compared by their visible names. The page's numbers are checked against the API's own answers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { apiAs, demoReady, studioPerFile, type ReefServer } from './harness.ts';

const artifacts = fileURLToPath(new URL('../.test-artifacts/run-history/', import.meta.url));
const studio = studioPerFile(artifacts);
let server: ReefServer;
let page: Page;
const api = <T>(method: string, path: string, body?: unknown) => apiAs<T>(server, method, path, body);

async function trainOnServer(cId: string, body: object): Promise<string> {
  const { run_id } = await api<{ run_id: string }>('POST', `/api/concepts/${cId}/snorkel/run`, body);
  for (let i = 0; i < 240; i++) {
    const run = await api<{ status: string; error: unknown }>('GET', `/api/runs/${run_id}`);
    if (run.status === 'SUCCESS') return run_id;
    assert.ok(!['FAILURE', 'CANCELED'].includes(run.status), `training ${run_id} ended ${run.status}: ${JSON.stringify(run.error)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`training ${run_id} did not finish in 2 minutes`);
}

test('the run history lists browser-independent server runs with their lineage and compares two of them', { timeout: 300_000 }, async () => {
  ({ server, page } = studio());
  // The demo's LFs read both of its rules: train once every asset is materialized.
  const { cId, name, catalog } = await demoReady(server);
  const request = {
    selectedIndex: catalog.indexes[0]!.id, selectedRules: catalog.rules.map((r) => r.id),
    selectedLFs: catalog.labeling_functions.filter((lf) => lf.active).map((lf) => lf.id), snorkel: { output_type: 'softmax' },
  };
  const a = await trainOnServer(cId, { ...request, model: 'mv' });
  const b = await trainOnServer(cId, { ...request, model: 'snorkel' });
  const expected = await api<{ flipped: { count: number; compared: number } }>('GET', `/api/concepts/${cId}/runs/compare?a=${a}&b=${b}`);

  await page.goto(`${server.url}/concepts/${cId}?token=${server.token}`);
  await page.getByRole('heading', { name }).waitFor();
  await page.getByRole('link', { name: 'Run history' }).click();
  await page.getByRole('heading', { name: `Run history — ${name}` }).waitFor();
  const rows = page.locator('table.runs tbody tr');
  await rows.first().waitFor();
  const text = await rows.allInnerTexts();
  const trainRows = text.filter((t) => t.includes('Train'));
  assert.equal(trainRows.length, 2, 'both trainings are listed');
  assert.match(trainRows[0]!, /server\s+SUCCESS\s+snorkel/, 'the newest first, with where it ran, its status and its model');
  assert.match(trainRows[1]!, /server\s+SUCCESS\s+mv/);
  assert.match(trainRows[0]!, /\d+ LFs: /, 'the LF versions it read');
  assert.ok(text.some((t) => /Materialize index \S+ v1/.test(t)), 'the demo\'s materializations are listed too');
  await page.screenshot({ path: `${artifacts}01-history.png` });

  await page.getByLabel('Show').selectOption({ label: 'Training' });
  assert.equal(await rows.count(), 2, 'the filter keeps the trainings only');

  await page.getByRole('checkbox', { name: `Select run ${a.slice(0, 8)}` }).check();
  await page.getByRole('checkbox', { name: `Select run ${b.slice(0, 8)}` }).check();
  await page.getByRole('button', { name: 'Compare selected' }).click();
  const comparison = page.getByRole('region', { name: 'Comparison' });
  await comparison.getByText('labels flipped').waitFor();
  const summary = await comparison.locator('p').first().innerText();
  assert.equal(summary, `${expected.flipped.count.toLocaleString('en-US')} of ${expected.flipped.compared.toLocaleString('en-US')} labels flipped.`);
  await comparison.getByRole('heading', { name: `Run ${a.slice(0, 8)} → run ${b.slice(0, 8)}` }).waitFor();
  await page.screenshot({ path: `${artifacts}02-compare.png`, fullPage: true });

  await page.getByRole('link', { name: b.slice(0, 8) }).click();
  await page.getByRole('heading', { name: 'Training results' }).waitFor();
});
