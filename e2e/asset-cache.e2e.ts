// The studio's cache of decoded assets (OPFS, one file per asset version) on the demo concept: a reload shows the same
// samples and LF statistics from the cache as the download did; once the index is materialized again with other rows,
// a reload downloads the new version (never the old one's cached rows) and the next reload serves the new version
// from the cache; the old version's file is gone.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { apiAs, demoReady, studioPerFile, type ReefServer } from './harness.ts';

const artifacts = fileURLToPath(new URL('../.test-artifacts/asset-cache/', import.meta.url));
const studio = studioPerFile(artifacts);
let server: ReefServer;
let page: Page;

/** What the notebook says it loaded ("20,000 samples loaded (from cache, …)"): the count and where from. */
async function loaded(): Promise<{ samples: number; from: string }> {
  const text = await page.getByTestId('samples-loaded').innerText();
  const m = /^([\d,]+) samples loaded \((from cache|downloaded),/.exec(text);
  assert.ok(m, `the load line reads "${text}"`);
  return { samples: Number(m[1]!.replaceAll(',', '')), from: m[2]! };
}

/** The LF summary table's text once every LF that runs on load (not the custom ones, run by hand) has its numbers. */
async function lfSummary(): Promise<string> {
  const cells = page.locator('.lf-cell').filter({ hasNot: page.getByRole('button', { name: /Run preview/ }) });
  assert.ok(await cells.count() > 0, 'the demo has LFs that run on load');
  for (let i = 0; i < await cells.count(); i++) await cells.nth(i).getByTestId('lf-stats').getByText(/Coverage/).waitFor({ timeout: 60_000 });
  return page.getByRole('region', { name: 'LF summary' }).locator('table').innerText();
}

async function reload(): Promise<{ samples: number; from: string; summary: string }> {
  await page.reload();
  await page.getByTestId('samples-loaded').waitFor({ timeout: 120_000 });
  return { ...await loaded(), summary: await lfSummary() };
}

/** OPFS's batch files, as the page sees them. */
const cachedFiles = () => page.evaluate(async () => {
  const folder = await (await navigator.storage.getDirectory()).getDirectoryHandle('reef-batches', { create: true });
  const names: string[] = [];
  for await (const name of (folder as unknown as { keys(): AsyncIterable<string> }).keys()) names.push(name);
  return names.sort();
});

/** Waits until these versions' batches are stored (the data worker stores them once a load has answered). */
async function storedVersions(versionIds: string[]): Promise<void> {
  for (let waited = 0; ; waited += 200) {
    const files = await cachedFiles();
    if (versionIds.every((v) => files.some((f) => f.includes(v) && f.endsWith('.batch')))) return;
    assert.ok(waited < 60_000, `not stored within a minute: ${versionIds.join(', ')} (files: ${files.join(', ')})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface AssetState { current_version_id: string; is_materialized: boolean; sql_query: string }

test('a reload serves the same samples and stats from the cache, and a new version of an asset is downloaded, not served from the old one', { timeout: 600_000 }, async (t) => {
  ({ server, page } = studio());
  t.after(async () => { if (!page.isClosed()) await page.screenshot({ path: `${artifacts}last-screen.png` }); });
  const { cId, catalog } = await demoReady(server);
  const index = catalog.indexes[0]!;

  await page.goto(`${server.url}/concepts/${cId}?token=${server.token}`);
  await page.getByTestId('samples-loaded').waitFor({ timeout: 120_000 });
  const first = { ...await loaded(), summary: await lfSummary() };
  assert.equal(first.from, 'downloaded');
  assert.equal(first.samples, 20_000);
  const indexPath = `/api/concepts/${cId}/indexes/${index.id}`;
  const { current_version_id: oldVersion, sql_query: sql } = await apiAs<AssetState>(server, 'GET', indexPath);
  const ruleVersions = await Promise.all(catalog.rules.map(async (r) => (await apiAs<AssetState>(server, 'GET', `/api/concepts/${cId}/rules/${r.id}`)).current_version_id));
  await storedVersions([oldVersion, ...ruleVersions]);

  const cached = await reload();
  assert.deepEqual(cached, { ...first, from: 'from cache' }, 'the same samples and LF statistics from the cache as downloaded');

  // The index materialized again with a quarter of its rows left out: a new version.
  await apiAs(server, 'PATCH', indexPath, { sql_query: `SELECT * FROM (${sql}) AS s WHERE id % 4 <> 0` });
  await apiAs(server, 'POST', `${indexPath}/materialize`);
  let newVersion = oldVersion;
  for (let waited = 0; newVersion === oldVersion; waited += 500) {
    assert.ok(waited < 120_000, 'the index was not materialized again within 2 minutes');
    await new Promise((r) => setTimeout(r, 500));
    const now = await apiAs<AssetState>(server, 'GET', indexPath);
    if (now.is_materialized) newVersion = now.current_version_id;
  }

  const renewed = await reload();
  assert.equal(renewed.from, 'downloaded', 'the new version is not in the cache');
  assert.equal(renewed.samples, 15_000, 'the new version\'s rows, not the cached ones of the old version');
  assert.notEqual(renewed.summary, first.summary, 'statistics over the new rows');
  await storedVersions([newVersion]);
  const again = await reload();
  assert.deepEqual(again, { ...renewed, from: 'from cache' }, 'the new version from the cache, as downloaded');
  const files = await cachedFiles();
  assert.equal(files.length, 1 + catalog.rules.length, `one file per asset: ${files.join(', ')}`);
  assert.ok(files.some((f) => f.includes(newVersion)) && !files.some((f) => f.includes(oldVersion)), 'the old version\'s file is gone');
});
