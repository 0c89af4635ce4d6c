// The studio's small promises, as a person meets them: a new concept opens without a failed request, the API docs
// work offline, a new regex LF votes on nothing until it has a pattern (and shows up where the user looks), Add on
// an index already on the canvas selects it instead of adding a copy, and Delete removes the selected node.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { apiAs, studioPerFile, type ReefServer } from './harness.ts';

const artifacts = fileURLToPath(new URL('../.test-artifacts/studio-details/', import.meta.url));
const studio = studioPerFile(artifacts);
let server: ReefServer;
let page: Page;

test('a concept without a saved pipeline opens without a failed request, and /api/docs works offline', { timeout: 300_000 }, async () => {
  ({ server, page } = studio());
  const failed: string[] = [];
  page.on('response', (r) => { if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`); });
  const concept = await apiAs<{ c_id: string }>(server, 'POST', '/api/concepts', { name: 'fresh-concept', values: ['NO', 'YES'] });
  await page.goto(`${server.url}/concepts/${concept.c_id}?token=${server.token}`);
  await page.getByRole('heading', { name: 'fresh-concept' }).waitFor();
  await page.getByText('Saved', { exact: true }).waitFor();
  assert.deepEqual(failed, [], 'no request of the studio failed');

  const outside: string[] = [];
  page.on('request', (r) => { if (!r.url().startsWith(`${server.url}/`) && !/^(data|blob|about):/.test(r.url())) outside.push(r.url()); });
  await page.goto(`${server.url}/api/docs`);
  // Swagger UI renders the document's title and its operations from Reef's own copy of its files.
  await page.getByRole('heading', { name: /Reef API/ }).waitFor({ timeout: 30_000 });
  await page.getByText('/api/concepts/{c_id}/catalog').first().waitFor();
  await page.screenshot({ path: `${artifacts}01-api-docs.png` });
  assert.deepEqual(outside, [], 'the docs load nothing from outside 127.0.0.1');
  assert.deepEqual(failed, [], 'no request of the docs failed');
});

test('a new regex LF votes on nothing until its pattern is typed, in view and focused', { timeout: 300_000 }, async () => {
  const [demo] = await apiAs<{ c_id: string }[]>(server, 'GET', '/api/concepts');
  await page.goto(`${server.url}/concepts/${demo!.c_id}?token=${server.token}`);
  await page.getByTestId('samples-loaded').waitFor({ timeout: 120_000 });
  const summary = page.getByRole('region', { name: 'LF summary' });
  // Every saved LF has its votes once the summary stops changing.
  let overallBefore = '';
  for (let same = 0; same < 4; await page.waitForTimeout(250)) {
    const now = await summary.innerText();
    same = now === overallBefore ? same + 1 : 0;
    overallBefore = now;
  }

  await page.getByRole('button', { name: '+ Regex LF' }).click();
  const cell = page.locator('.lf-cell').last();
  await cell.getByRole('status').getByText('Fill in the pattern to see this LF\'s votes.').waitFor();
  assert.equal(await cell.getByTestId('lf-stats').count(), 0, 'no coverage for an empty pattern');
  assert.equal(await summary.innerText(), overallBefore, 'the other LFs\' overlaps and conflicts do not move');
  const box = await cell.boundingBox();
  assert.ok(box && box.y >= 0 && box.y + 40 <= 900, `the new cell is in view (top at ${box?.y})`);
  assert.equal(await cell.getByLabel('Pattern').evaluate((e) => e === document.activeElement), true, `its pattern field has the focus (it is on ${await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 120))})`);
  await page.screenshot({ path: `${artifacts}02-new-regex-lf.png` });

  // The focus is in the pattern: the user types straight away.
  await page.keyboard.type('subscribe', { delay: 20 });
  await cell.getByTestId('lf-stats').getByText(/Coverage [1-9]/).waitFor();
  assert.notEqual(await summary.innerText(), overallBefore, 'the summary counts the LF once it has a pattern');
});

test('Add on an index already on the canvas selects it; Delete removes the selected node', { timeout: 300_000 }, async () => {
  const nodes = page.locator('.react-flow__node');
  const before = await nodes.count();
  const indexName = (await page.getByTestId(/^catalog-index-/).first().getAttribute('data-testid'))!.replace('catalog-index-', '');
  await page.getByRole('button', { name: `Add ${indexName}` }).click();
  assert.equal(await nodes.count(), before, 'no second copy of the index');
  const indexNode = page.locator('.react-flow__node.selected').filter({ has: page.getByTestId('node-index') });
  await indexNode.waitFor();
  const box = await indexNode.boundingBox();
  assert.ok(box && box.x >= 0 && box.y >= 0 && box.x + box.width <= 1440 && box.y + box.height <= 900, 'the index node is on screen');
  await page.screenshot({ path: `${artifacts}03-add-existing-index.png` });

  await page.getByRole('button', { name: '+ Train Node' }).click();
  assert.equal(await nodes.count(), before + 1);
  const added = page.locator('.react-flow__node.selected').filter({ has: page.getByTestId('node-train') });
  await added.waitFor();
  // The node is selected, the focus on the canvas: Delete (not only Backspace) removes it.
  await added.locator('.node').click({ position: { x: 10, y: 10 } });
  await page.keyboard.press('Delete');
  await page.waitForFunction((n) => document.querySelectorAll('.react-flow__node').length === n, before);
  await page.screenshot({ path: `${artifacts}04-deleted-with-delete-key.png` });
});

test('the Train node schedules the pipeline on the server, lists the schedule and removes it', { timeout: 300_000 }, async () => {
  const [demo] = await apiAs<{ c_id: string }[]>(server, 'GET', '/api/concepts');
  await page.getByRole('button', { name: 'Fit View' }).click();
  const train = page.getByTestId('node-train');
  await train.getByRole('button', { name: 'Schedule…' }).click();
  const form = page.getByRole('dialog', { name: 'Training schedule' });
  await form.getByText('No schedule yet').waitFor();
  await form.getByLabel('Cron').clear();
  await form.getByLabel('Cron').pressSequentially('30 2 * * 1', { delay: 20 });
  await form.getByLabel('Time zone').clear();
  await form.getByLabel('Time zone').pressSequentially('Europe/Paris', { delay: 20 });
  await form.getByRole('button', { name: 'Save schedule' }).click();
  await form.getByRole('status').getByText(/^Scheduled "nightly": next .* \(Europe\/Paris\)$/).waitFor();
  await form.getByRole('listitem').filter({ hasText: 'nightly' }).getByText('30 2 * * 1').waitFor();
  await page.screenshot({ path: `${artifacts}05-schedule.png` });

  const [schedule] = await apiAs<{ name: string; cron: string; tz: string; request: { selectedLFs: string[]; selectedIndex: string } }[]>(server, 'GET', `/api/concepts/${demo!.c_id}/snorkel/schedules`);
  assert.equal(schedule?.cron, '30 2 * * 1');
  assert.equal(schedule?.tz, 'Europe/Paris');
  const active = (await apiAs<{ lf_id: string; active: boolean }[]>(server, 'GET', `/api/concepts/${demo!.c_id}/labeling-functions`)).filter((lf) => lf.active);
  assert.deepEqual([...schedule!.request.selectedLFs].sort(), active.map((lf) => lf.lf_id).sort(), 'the schedule trains the active LFs');

  await form.getByRole('button', { name: 'Remove schedule nightly' }).click();
  await form.getByText('No schedule yet').waitFor();
  assert.deepEqual(await apiAs(server, 'GET', `/api/concepts/${demo!.c_id}/snorkel/schedules`), []);
});
