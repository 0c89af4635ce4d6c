// A Snorkel-style Python LF in the studio: typed key by key into the notebook's Python editor (with the canvas on
// screen), previewed in the browser's Pyodide sandbox, saved, approved, trained in the browser without pressing
// Run preview again after a reload, then on the server: both sides give the Python LF the same votes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { apiAs, studioPerFile, type ReefServer } from './harness.ts';

const artifacts = fileURLToPath(new URL('../.test-artifacts/python-lf/', import.meta.url));
const CODE = 'import re\ndef lf(x): return SPAM if re.search(r"https?://", x.text or "") else ABSTAIN';
const studio = studioPerFile(artifacts);
let server: ReefServer;
let page: Page;
const api = <T>(path: string) => apiAs<T>(server, 'GET', path);

type LfStats = { name: string; coverage: number; overlaps: number; conflicts: number };

test('a Python LF typed in the notebook votes the same in the browser and on the server', { timeout: 600_000 }, async (t) => {
  ({ server, page } = studio());
  t.after(async () => { if (!page.isClosed()) await page.screenshot({ path: `${artifacts}last-screen.png` }); });
  const [concept] = await api<{ c_id: string; name: string }[]>('/api/concepts');
  const cId = concept!.c_id;
  await page.goto(`${server.url}/concepts/${cId}?token=${server.token}`);
  await page.getByTestId('samples-loaded').waitFor({ timeout: 120_000 });

  await page.getByRole('button', { name: '+ Python LF' }).click();
  const cell = page.locator('.lf-cell').last();
  await cell.getByLabel('LF name').fill('links_py');
  await cell.getByLabel('Allowed imports').click();
  await page.keyboard.type('re', { delay: 20 });
  const editor = cell.locator('[aria-label="Custom LF code"] .monaco-editor');
  await editor.click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await page.keyboard.type(CODE, { delay: 20 });
  // Monaco closes brackets and quotes as they open; typing over them must leave exactly the code typed.
  const typed = (await editor.locator('.view-lines').innerText()).replace(/\u00a0/g, ' ').trim().replace(/\n+/g, '\n');
  assert.equal(typed, CODE, 'every key, spaces included, reached the editor');
  await cell.getByRole('button', { name: /Run preview/ }).click();
  await cell.getByTestId('lf-stats').getByText(/Coverage/).waitFor({ timeout: 120_000 });
  const coverage = await cell.getByTestId('lf-stats').innerText();
  assert.doesNotMatch(coverage, /Coverage\s+0\.0%/, 'the Python LF votes on some rows');
  await page.screenshot({ path: `${artifacts}01-python-preview.png` });

  await cell.getByRole('button', { name: 'Save' }).click();
  await cell.getByRole('button', { name: 'Approve' }).click();
  await cell.getByRole('button', { name: 'Approve' }).waitFor({ state: 'detached' });
  const lf = (await api<{ lf_id: string; name: string; active: boolean; lf_config: { language: string; allowed_imports: string[] } }[]>(`/api/concepts/${cId}/labeling-functions`))
    .find((x) => x.name === 'links_py')!;
  assert.deepEqual([lf.active, lf.lf_config.language, lf.lf_config.allowed_imports], [true, 'python', ['re']]);

  // A fresh page: nothing has run the Python LF here, and training still counts it (and the demo's custom LF).
  await page.reload();
  await page.getByTestId('samples-loaded').waitFor({ timeout: 120_000 });
  await page.getByTestId('node-train').getByRole('button', { name: 'Train Model' }).click();
  await page.getByRole('heading', { name: 'Training results' }).waitFor({ timeout: 300_000 });
  await page.getByTestId('result-kept').waitFor();
  await page.screenshot({ path: `${artifacts}02-browser-results.png` });
  const browserRunId = new URL(page.url()).pathname.split('/').pop()!;
  const browserRun = await api<{ lineage: { lfs: { lf_id: string }[] }; metrics: { lfs: LfStats[] } }>(`/api/runs/${browserRunId}`);
  assert.ok(browserRun.lineage.lfs.some((x) => x.lf_id === lf.lf_id), 'the browser trained on the Python LF');

  await page.getByRole('button', { name: 'Run on server' }).click();
  await page.getByText(/^Server run · /).waitFor({ timeout: 300_000 });
  await page.screenshot({ path: `${artifacts}03-server-results.png` });
  const serverRunId = new URL(page.url()).pathname.split('/').pop()!;
  const serverRun = await api<{ lineage: { lfs: { lf_id: string }[] }; metrics: { lfs: LfStats[] } }>(`/api/runs/${serverRunId}`);
  const stats = (run: typeof serverRun) => run.metrics.lfs.find((x) => x.name === 'links_py')!;
  assert.ok(stats(serverRun).coverage > 0);
  assert.deepEqual(stats(serverRun), stats(browserRun), 'coverage, overlaps and conflicts of the Python LF agree row for row');
  assert.deepEqual(serverRun.lineage.lfs.map((x) => x.lf_id), browserRun.lineage.lfs.map((x) => x.lf_id), 'the same LFs on both sides');
});
