// The results page as an analyst reads it after Train Model on the demo: counts over every row, the label model
// against the gold labels (accuracy, macro F1, confusion matrix), each LF's learned accuracy beside its empirical
// one, the sample rows with their columns, filters and paging, the CSV; the same numbers after a reload, and the
// same page for the server run of the same pipeline.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { demoReady, studioPerFile, type ReefServer } from './harness.ts';

const artifacts = fileURLToPath(new URL('../.test-artifacts/results/', import.meta.url));
const studio = studioPerFile(artifacts);
let server: ReefServer;
let page: Page;

const shown = async () => (await page.getByTestId('rows-shown').innerText()).trim();
const barCounts = async () => (await page.getByRole('region', { name: 'Label distribution' }).locator('.bar > span:last-child').allInnerTexts())
  .map((x) => Number(x.replaceAll(',', '')));

/** What the page says about the run: label counts, gold metrics and the confusion matrix, as text. */
async function readResults() {
  await page.getByRole('region', { name: 'Label distribution' }).waitFor({ timeout: 60_000 });
  return {
    distribution: await page.getByRole('region', { name: 'Label distribution' }).innerText(),
    gold: await page.getByRole('region', { name: 'Gold labels' }).innerText(),
    lfs: await page.getByRole('region', { name: 'Labeling functions' }).innerText(),
  };
}

test('the results page explains a run over all of its rows, the same after a reload and on the server', { timeout: 900_000 }, async (t) => {
  ({ server, page } = studio());
  t.after(async () => { if (!page.isClosed()) await page.screenshot({ path: `${artifacts}last-screen.png`, fullPage: true }); });
  const { cId } = await demoReady(server);
  await page.goto(`${server.url}/concepts/${cId}?token=${server.token}`);
  await page.getByTestId('samples-loaded').waitFor({ timeout: 120_000 });
  await page.getByTestId('node-train').getByRole('button', { name: 'Train Model' }).click();
  await page.getByRole('heading', { name: 'Training results' }).waitFor({ timeout: 300_000 });
  await page.getByTestId('result-kept').waitFor({ timeout: 120_000 });
  const before = await readResults();

  // Counts cover all 20,000 rows: the classes and the rows left without a label add up.
  assert.equal((await barCounts()).reduce((a, b) => a + b, 0), 20_000, before.distribution);
  assert.match(before.gold, /Accuracy \d+\.\d% · macro F1 \d+\.\d% · [\d,]+ gold rows/);
  assert.match(before.gold, /not a held-out estimate/);
  const confusion = page.getByRole('table', { name: 'Confusion matrix' });
  const cells = (await confusion.locator('td').allInnerTexts()).map((x) => Number(x.replaceAll(',', '')));
  const goldRows = Number(/([\d,]+) gold rows/.exec(before.gold)![1]!.replaceAll(',', ''));
  assert.equal(cells.reduce((a, b) => a + b, 0), goldRows, 'the confusion matrix counts every gold row');
  const diagonal = (await confusion.locator('td.diagonal').allInnerTexts()).map((x) => Number(x.replaceAll(',', ''))).reduce((a, b) => a + b, 0);
  // Each LF's empirical accuracy beside the label model's learned one.
  const lfRows = page.getByRole('region', { name: 'Labeling functions' }).locator('tbody tr');
  assert.ok(await lfRows.count() >= 5, 'one row per LF');
  assert.match(before.lfs, /Empirical accuracy\tLearned accuracy/);
  await page.screenshot({ path: `${artifacts}01-browser-results.png`, fullPage: true });

  // The samples: their columns, paging through all rows, and the rows whose prediction contradicts a gold label.
  const samples = page.getByRole('region', { name: 'Samples' });
  await samples.getByRole('columnheader', { name: 'text' }).waitFor();
  assert.equal(await shown(), 'Rows 1–50 of 20,000');
  await samples.getByRole('button', { name: 'Next' }).click();
  await samples.getByTestId('rows-shown').getByText('Rows 51–100 of 20,000').waitFor();
  await samples.getByLabel('Filter rows').selectOption({ label: 'Prediction contradicts a gold label' });
  await samples.getByTestId('rows-shown').getByText(new RegExp(`of ${(goldRows - diagonal).toLocaleString('en-US')}$`)).waitFor();
  const headers = await samples.locator('thead th').allInnerTexts();
  const [predicted, gold] = [headers.indexOf('predicted_label'), headers.indexOf('gold_label')];
  for (const row of await samples.locator('tbody tr').all()) {
    const texts = await row.locator('td').allInnerTexts();
    assert.notEqual(texts[predicted], texts[gold], `a listed row contradicts its gold label: ${texts.join(' | ')}`);
  }
  await page.screenshot({ path: `${artifacts}02-contradicts-gold.png` });

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
  const csv = readFileSync((await download.path())!, 'utf8').trim().split('\n');
  assert.equal(csv.length, 20_001, 'the CSV has every row');

  // A reload reads the kept run back: the same numbers.
  await page.reload();
  await page.getByText(/^Browser run · 20,000 samples/).waitFor({ timeout: 60_000 });
  assert.deepEqual(await readResults(), before, 'the same counts, gold metrics and LF table after a reload');
  const [again] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
  assert.equal(readFileSync((await again.path())!, 'utf8').trim().split('\n').length, 20_001, 'a reloaded run has its CSV too');
  await page.screenshot({ path: `${artifacts}03-after-reload.png`, fullPage: true });

  await page.getByRole('button', { name: 'Run on server' }).click();
  await page.getByText(/^Server run · 20,000 samples/).waitFor({ timeout: 300_000 });
  const onServer = await readResults();
  assert.equal((await barCounts()).reduce((a, b) => a + b, 0), 20_000, onServer.distribution);
  assert.match(onServer.gold, /Accuracy \d+\.\d%/);
  // A server run keeps its votes: its labels can be set against majority vote's.
  const serverSamples = page.getByRole('region', { name: 'Samples' });
  await serverSamples.getByLabel('Filter rows').selectOption({ label: 'Label model and majority vote disagree' });
  await serverSamples.getByRole('columnheader', { name: 'majority_vote' }).waitFor();
  const serverHeaders = await serverSamples.locator('thead th').allInnerTexts();
  const [label, majority] = [serverHeaders.indexOf('predicted_label'), serverHeaders.indexOf('majority_vote')];
  for (const row of await serverSamples.locator('tbody tr').all()) {
    const texts = await row.locator('td').allInnerTexts();
    assert.notEqual(texts[label], texts[majority], `a listed row disagrees with majority vote: ${texts.join(' | ')}`);
  }
  await page.screenshot({ path: `${artifacts}04-server-results-disagree-with-mv.png`, fullPage: true });
});
