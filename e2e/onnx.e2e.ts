// ONNX in the studio, end to end against a real `reef serve` (its demo concept) and Debian's Chromium:
// 1. a model LF: the test writes a small ONNX classifier, uploads it from the notebook, maps its features to the
//    demo's numeric columns; its votes (onnxruntime-web in the model worker) equal a server run's (onnxruntime-node
//    in the partition jobs) on every row;
// 2. browser training counts the model LF's votes;
// 3. the label model export: /api/runs/{id}/model.onnx run by onnxruntime-web in the page on the run's own vote
//    matrix reproduces the run's probabilities to 1e-5.
// No request may leave 127.0.0.1 (onnxruntime-web's wasm is the app's own asset).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parquetReadObjects } from 'hyparquet';
import type { Page } from 'playwright-core';
import { linearClassifierToOnnx } from '../shared/onnx/linear-classifier.ts';
import { LocalObjectStore } from '../edge-api/storage/local.ts';
import { openStudio, typeInEditor, type ReefServer, type Studio } from './harness.ts';

const artifacts = fileURLToPath(new URL('../.test-artifacts/onnx/', import.meta.url));
const ortDist = dirname(createRequire(import.meta.url).resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm'));

let server: ReefServer;
let studio: Studio;
let page: Page;
let scratch: string;
let requested: string[];

// SPAM's logit minus HAM's is (text_length − 2·likes)/32: binary fractions of integers, exact in float32, so both
// runtimes agree on which side of p = 0.5 every row falls (a tie is exactly 0.5, which votes).
const MODEL = linearClassifierToOnnx({ features: 2, classes: 2, weights: [0, 1 / 32, 1 / 32, -1 / 32], bias: [0, 0] });

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(server.url + path, { method, headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<T>;
}

interface Catalog { indexes: { id: string; is_materialized: boolean }[]; rules: { id: string; is_materialized: boolean }[] }

async function waitForDemo(): Promise<{ cId: string; catalog: Catalog }> {
  for (const until = Date.now() + 300_000; Date.now() < until;) {
    const [concept] = await call<{ c_id: string }[]>('GET', '/api/concepts');
    if (concept) {
      const catalog = await call<Catalog>('GET', `/api/concepts/${concept.c_id}/catalog`);
      if ([...catalog.indexes, ...catalog.rules].every((a) => a.is_materialized)) return { cId: concept.c_id, catalog };
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('the demo assets were not materialized within 5 minutes');
}

interface Run { run_id: string; status: string; error: unknown; metrics: { artifacts: { parts: { key: string }[]; votes_prefix: string } }; params: { total_rows: number } }

async function serverRun(cId: string, body: Record<string, unknown>): Promise<Run> {
  const started = await call<{ run_id: string }>('POST', `/api/concepts/${cId}/snorkel/run`, body);
  for (const until = Date.now() + 180_000; Date.now() < until;) {
    const run = await call<Run>('GET', `/api/runs/${started.run_id}`);
    if (['SUCCESS', 'FAILURE', 'CANCELED'].includes(run.status)) {
      assert.equal(run.status, 'SUCCESS', JSON.stringify(run.error));
      return run;
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`run ${started.run_id} did not finish`);
}

/** The run's results Parquet parts, read from the server's object store, with each part's vote matrix. */
async function runOutputs(run: Run, m: number) {
  const store = new LocalObjectStore(join(server.dataDir, 'objects'));
  const parts = [];
  for (const part of run.metrics.artifacts.parts) {
    const unit = /part-(\d+)\.parquet$/.exec(part.key)![1]!;
    const bytes = await store.getBytes(part.key);
    const rows = await parquetReadObjects({ file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer });
    const votes = new Int8Array(await store.getBytes(`${run.metrics.artifacts.votes_prefix}/unit-${unit}.i8`));
    assert.equal(votes.length, rows.length * m);
    parts.push({ rows, votes });
  }
  return parts;
}

before(async () => {
  rmSync(artifacts, { recursive: true, force: true });
  mkdirSync(artifacts, { recursive: true });
  scratch = mkdtempSync(join(tmpdir(), 'reef-onnx-e2e-'));
  studio = await openStudio();
  ({ server, page, requested } = studio);
  // onnxruntime-web for the test's own use in the page (the export check), served from node_modules on the app's origin.
  await page.route('**/__e2e/ort/*', (route) => route.fulfill({ path: join(ortDist, new URL(route.request().url()).pathname.split('/').pop()!) }));
});

after(async () => {
  await studio?.close();
  rmSync(scratch, { recursive: true, force: true });
});

test('a model LF votes in the browser exactly as in a server run, and the label model export reproduces a run in the page', { timeout: 900_000 }, async (t) => {
  t.after(async () => { if (page && !page.isClosed()) await page.screenshot({ path: `${artifacts}last-screen.png` }); });
  const { cId, catalog } = await waitForDemo();
  const modelFile = join(scratch, 'spam_scorer.onnx');
  writeFileSync(modelFile, MODEL);

  await page.goto(`${server.url}/concepts/${cId}?token=${server.token}`);
  const loaded = page.getByTestId('samples-loaded');
  await loaded.waitFor({ timeout: 120_000 });
  const n = Number(/([\d,]+) samples loaded/.exec(await loaded.innerText())![1]!.replaceAll(',', ''));
  assert.ok(n >= 1000, `the demo has samples (${n})`);

  // The notebook: a new model LF, its model uploaded from the cell, its features mapped to two numeric columns.
  await page.getByRole('button', { name: '+ Model LF' }).click();
  const cell = page.locator('.lf-cell').last();
  await cell.getByLabel('LF name').fill('spam_scorer');
  await cell.getByLabel('Label', { exact: true }).selectOption('SPAM');
  await cell.getByLabel('Upload model').setInputFiles(modelFile);
  await cell.getByLabel('Model', { exact: true }).locator('option:checked', { hasText: 'spam_scorer.onnx' }).waitFor({ state: 'attached' });
  await cell.getByLabel('Feature 0').selectOption('text_length');
  await cell.getByLabel('Feature 1').selectOption('likes');
  await cell.getByLabel('Output class').selectOption('1');
  await cell.getByLabel('Threshold').fill('0.5');
  const stats = cell.getByTestId('lf-stats');
  await stats.waitFor({ timeout: 60_000 });
  await page.screenshot({ path: `${artifacts}01-model-lf.png` });
  await cell.getByRole('button', { name: 'Save' }).click();
  await cell.getByText('not saved').waitFor({ state: 'detached' });
  const lfs = await call<{ lf_id: string; name: string; lf_type: string; config: Record<string, unknown> }[]>('GET', `/api/concepts/${cId}/labeling-functions`);
  const modelLf = lfs.find((lf) => lf.name === 'spam_scorer')!;
  assert.deepEqual(modelLf.config, { model_id: modelLf.config.model_id, columns: ['text_length', 'likes'], output_class: 1, threshold: 0.5, scores: 'probabilities' });

  // The browser's votes, row by row, through the notebook's SQL over `votes` (one column per LF, by name).
  await page.getByRole('button', { name: '+ SQL cell' }).click();
  const sqlCell = page.getByTestId('sql-cell').last();
  await typeInEditor(sqlCell, 'SQL cell', 'SELECT count(*) AS voted, string_agg(CAST(id AS VARCHAR), \',\' ORDER BY id) AS ids FROM votes WHERE spam_scorer = 1');
  await sqlCell.getByRole('button', { name: 'Run' }).click();
  const resultRow = sqlCell.locator('tbody tr').first();
  await resultRow.waitFor({ timeout: 60_000 });
  const browserVoted = Number(await resultRow.locator('td').nth(0).innerText());
  const browserIds = new Set((await resultRow.locator('td').nth(1).innerText()).split(',').map(Number));
  assert.equal(browserIds.size, browserVoted);
  assert.ok(browserVoted > n * 0.05 && browserVoted < n * 0.95, `the model votes on some rows, not all (${browserVoted} of ${n})`);
  // The cell's coverage is the same count.
  await stats.getByText(`Coverage ${((browserVoted / n) * 100).toFixed(1)}%`).waitFor();

  // The same LF in a server run (majority vote over it alone: predicted SPAM exactly where it voted).
  const assets = { selectedIndex: catalog.indexes[0]!.id, selectedRules: catalog.rules.map((r) => r.id) };
  const alone = await serverRun(cId, { ...assets, selectedLFs: [modelLf.lf_id], model: 'mv' });
  const serverIds = new Set<number>();
  let serverRows = 0;
  for (const { rows, votes } of await runOutputs(alone, 1)) {
    rows.forEach((r, i) => {
      if (votes[i] === 1) serverIds.add(Number(r.id));
      assert.equal(r.predicted_label, votes[i] === 1 ? 1 : -1);
    });
    serverRows += rows.length;
  }
  assert.equal(serverRows, n);
  assert.equal(serverIds.size, browserVoted, 'as many rows voted on the server as in the browser');
  assert.deepEqual([...browserIds].filter((id) => !serverIds.has(id)), [], 'every row the browser voted on, the server voted on');

  // The label model export: a Snorkel run over three demo LFs and the model LF, its ONNX run in the page.
  const others = lfs.filter((lf) => ['short_comment', 'prolific_author', 'well_liked', 'has_url'].includes(lf.name)).map((lf) => lf.lf_id);
  const selected = [...others, modelLf.lf_id];
  const run = await serverRun(cId, { ...assets, selectedLFs: selected, model: 'snorkel', snorkel: { epochs: 100, lr: 0.01, output_type: 'softmax' }, seed: 7 });
  const outputs = await runOutputs(run, selected.length);
  const votes = outputs.flatMap((o) => Array.from(o.votes));
  const expected = outputs.flatMap((o) => o.rows.flatMap((r) => [r.prob_class_0 as number, r.prob_class_1 as number]));
  const fromPage = await page.evaluate(async ({ runId, token, votes, m }) => {
    const ort = await import(`${location.origin}/__e2e/ort/ort.wasm.bundle.min.mjs`);
    ort.env.wasm.wasmPaths = { wasm: `${location.origin}/__e2e/ort/ort-wasm-simd-threaded.wasm` };
    ort.env.wasm.numThreads = 1;
    const res = await fetch(`/api/runs/${runId}/model.onnx`, { headers: { Authorization: `Bearer ${token}` } });
    const session = await ort.InferenceSession.create(new Uint8Array(await res.arrayBuffer()));
    const input = new ort.Tensor('int64', BigInt64Array.from(votes, (v: number) => BigInt(v)), [votes.length / m, m]);
    const out = await session.run({ votes: input });
    return { names: session.outputNames as string[], probs: Array.from(out.probabilities.data as Float64Array) };
  }, { runId: run.run_id, token: server.token, votes, m: selected.length });
  assert.deepEqual(fromPage.names, ['probabilities']);
  assert.equal(fromPage.probs.length, expected.length);
  const maxDiff = fromPage.probs.reduce((max, p, i) => Math.max(max, Math.abs(p - expected[i]!)), 0);
  assert.ok(maxDiff < 1e-5, `onnxruntime-web in the page reproduces the run's probabilities (max |Δ| = ${maxDiff})`);
  assert.ok(new Set(expected.map((p) => p.toFixed(3))).size > 3, 'the probabilities vary across rows');

  // Browser training (the canvas's Train Model) counts the model LF: its votes are a column of the label matrix.
  const train = page.getByTestId('node-train');
  await train.getByRole('combobox').selectOption('snorkel');
  await train.getByRole('button', { name: 'Train Model' }).click();
  await page.getByRole('heading', { name: 'Training results' }).waitFor({ timeout: 180_000 });
  // The run's LF table lists the model LF with the accuracy the label model learned for it.
  const modelLfRow = page.getByRole('region', { name: 'Labeling functions' }).getByRole('row').filter({ hasText: 'spam_scorer' });
  await modelLfRow.waitFor({ timeout: 60_000 });
  assert.match(await modelLfRow.innerText(), /\d+\.\d%\s*$/, 'a learned accuracy for the model LF');
  await page.screenshot({ path: `${artifacts}02-browser-training.png` });

  // The server run's results view exports the same ONNX bytes the API serves.
  await page.goto(`${server.url}/concepts/${cId}/snorkel/jobs/${run.run_id}`);
  const exportButton = page.getByRole('button', { name: 'Export label model (ONNX)' });
  await exportButton.waitFor({ timeout: 60_000 });
  const [exported] = await Promise.all([page.waitForEvent('download'), exportButton.click()]);
  assert.equal(exported.suggestedFilename(), `reef-${run.run_id}-label-model.onnx`);
  const apiBytes = Buffer.from(await (await fetch(`${server.url}/api/runs/${run.run_id}/model.onnx`, { headers: { Authorization: `Bearer ${server.token}` } })).arrayBuffer());
  assert.ok(readFileSync(await exported.path()).equals(apiBytes), 'the downloaded export is the API\'s model.onnx');
  await page.screenshot({ path: `${artifacts}03-export-label-model.png` });

  const foreign = requested.filter((u) => !u.startsWith('http://127.0.0.1:'));
  assert.deepEqual(foreign, [], 'nothing is fetched from outside 127.0.0.1');
  assert.ok(requested.some((u) => /\/assets\/ort-wasm-simd-threaded-[\w-]+\.wasm$/.test(u)), 'the model worker loads the app\'s own onnxruntime wasm');
});
