// Rows no LF voted on (issue 11): on the demo concept, the notebook's "No LF votes" filter counts them; a browser
// training's results page shows that many as "no votes"; the CSV download has them as predicted_label -1 with
// n_votes 0 (and every class count matches the page); after a reload (the page then reads the kept run from the
// API) the label distribution shows the very same counts, and so do the run's metrics.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { apiAs, studioPerFile, type ReefServer } from './harness.ts';

const artifacts = fileURLToPath(new URL('../.test-artifacts/uncovered/', import.meta.url));
const studio = studioPerFile(artifacts);
let server: ReefServer;
let page: Page;
const api = <T>(method: string, path: string) => apiAs<T>(server, method, path);

async function demoConcept(): Promise<{ c_id: string; values: string[] }> {
  for (const started = Date.now(); Date.now() - started < 300_000;) {
    const [concept] = await api<{ c_id: string; values: string[] }[]>('GET', '/api/concepts');
    if (concept) {
      const catalog = await api<{ indexes: { is_materialized: boolean }[]; rules: { is_materialized: boolean }[] }>('GET', `/api/concepts/${concept.c_id}/catalog`);
      if (catalog.indexes.length > 0 && [...catalog.indexes, ...catalog.rules].every((a) => a.is_materialized)) return concept;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('the demo concept was not materialized within 5 minutes');
}

const count = (text: string) => Number(text.replaceAll(',', ''));

/** The label distribution as the page shows it: [label, count] per bar, in order. */
async function labelCounts(): Promise<[string, number][]> {
  const bars = page.getByRole('region', { name: 'Label distribution' }).getByTestId('label-count');
  await bars.first().waitFor();
  return (await bars.evaluateAll((els) => els.map((el) => [...el.children].map((c) => (c as HTMLElement).innerText))))
    .map(([label, , n]) => [label!, count(n!)]);
}

test('rows no LF voted on are -1 with n_votes 0 in the CSV, and the results page counts them the same before and after a reload', { timeout: 600_000 }, async (t) => {
  ({ server, page } = studio());
  t.after(async () => { if (!page.isClosed()) await page.screenshot({ path: `${artifacts}last-screen.png` }); });
  const concept = await demoConcept();
  const [ham, spam] = concept.values as [string, string];

  await page.goto(`${server.url}/concepts/${concept.c_id}?token=${server.token}`);
  await page.getByTestId('samples-loaded').waitFor({ timeout: 120_000 });
  const samples = count((await page.getByTestId('samples-loaded').innerText()).match(/^([\d,]+) samples/)![1]!);
  // The custom LF votes once its cell has run in the browser's sandbox; then every LF has its stats.
  for (const button of await page.getByRole('button', { name: /Run preview/ }).all()) await button.click();
  const cells = page.locator('.lf-cell');
  for (let i = 0; i < await cells.count(); i++) await cells.nth(i).getByTestId('lf-stats').getByText(/Coverage/).waitFor({ timeout: 60_000 });

  // The notebook's own count of rows no LF votes on, before any training.
  const browser = page.getByRole('region', { name: 'Sample browser' });
  await browser.getByLabel('Sample filter').selectOption('abstain-all');
  // The count says "20,000 rows" (all samples) until the filtered page arrives.
  const filtered = browser.getByText(/^[\d,]+ rows$/);
  await filtered.filter({ hasNotText: `${samples.toLocaleString('en-US')} rows` }).waitFor({ timeout: 30_000 });
  const noVoteRows = count((await filtered.innerText()).split(' ')[0]!);
  assert.ok(noVoteRows > 0 && noVoteRows < samples, `the demo has rows no LF votes on (${noVoteRows} of ${samples})`);
  await page.screenshot({ path: `${artifacts}01-no-lf-votes.png` });

  const train = page.getByTestId('node-train');
  await train.getByLabel('Softmax (Probabilities)').check();
  await train.getByRole('button', { name: 'Train Model' }).click();
  await page.getByRole('heading', { name: 'Training results' }).waitFor({ timeout: 180_000 });
  await page.getByTestId('result-kept').waitFor();
  const before = await labelCounts();
  await page.screenshot({ path: `${artifacts}02-results.png`, fullPage: true });
  assert.deepEqual(before.map(([label]) => label), [ham, spam, 'unlabeled (tie)', 'no votes']);
  assert.equal(before[3]![1], noVoteRows, 'the page counts as "no votes" the rows the notebook found no LF votes on');
  assert.equal(before.reduce((s, [, n]) => s + n, 0), samples, 'every sample is counted once');

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
  const [header, ...lines] = readFileSync((await download.path())!, 'utf8').trim().split('\n');
  assert.equal(header, 'id,predicted_label,prob_class_0,prob_class_1,confidence,n_votes');
  assert.equal(lines.length, samples);
  const rows = lines.map((line) => line.split(',')).map(([, label, , , , votes]) => ({ label: Number(label), votes: Number(votes) }));
  const uncovered = rows.filter((r) => r.votes === 0);
  assert.equal(uncovered.length, noVoteRows, 'the CSV has n_votes 0 on exactly the rows no LF voted on');
  assert.deepEqual([...new Set(uncovered.map((r) => r.label))], [-1], 'every row no LF voted on is predicted_label -1');
  assert.deepEqual(
    before.slice(0, 3).map(([, n]) => n),
    [rows.filter((r) => r.label === 0).length, rows.filter((r) => r.label === 1).length, rows.filter((r) => r.label === -1 && r.votes > 0).length],
    'the page\'s class and tie counts are the CSV\'s',
  );

  // A reload: the page reads the kept run back from the API and must say the same.
  const runId = new URL(page.url()).pathname.split('/').pop()!;
  await page.reload();
  await page.getByText(/^Browser run · /).waitFor({ timeout: 30_000 });
  const after = await labelCounts();
  await page.screenshot({ path: `${artifacts}03-results-after-reload.png`, fullPage: true });
  assert.deepEqual(after, before, 'the same counts after a reload');
  const run = await api<{ metrics: { abstained: number; uncovered: number; label_distribution: Record<string, number> } }>('GET', `/api/runs/${runId}`);
  assert.deepEqual(
    { ...run.metrics.label_distribution, abstained: run.metrics.abstained, uncovered: run.metrics.uncovered },
    { [ham]: before[0]![1], [spam]: before[1]![1], abstained: before[2]![1] + before[3]![1], uncovered: noVoteRows },
    'the kept run\'s metrics count the same',
  );
});
