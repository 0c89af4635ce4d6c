// bench:web — the studio in headless Chromium on the demo dataset (1,000,000 rows by default, BENCH_ROWS to
// change) with 20 regex and template LFs: cold and cached asset load, LF edit → updated stats (p50 of 20 edits),
// label-model fit + predict, and main-thread tasks over 50 ms while editing and training. Figures come from the
// app's own User Timing measures (reef:asset-load, reef:lf-update, reef:train). The baseline, measured in the same
// run, is recomputing every LF's votes from scratch (what the notebook does on load), against one edit.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launchChromium, startReef } from '../e2e/harness.ts';

declare global {
  /** The long tasks the page observed, recorded by the init script below. */
  interface Window { __longTasks?: { startTime: number; duration: number }[] }
}

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const LF_COUNT = 20;
const repoRoot = new URL('..', import.meta.url).pathname;

interface Measure { name: string; startTime: number; duration: number; detail?: unknown }

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const ms = (x: number) => `${x.toFixed(0)} ms`;

async function measures(page: Page, name: string): Promise<Measure[]> {
  return page.evaluate((n) => performance.getEntriesByName(n, 'measure').map((e) => ({
    name: e.name, startTime: e.startTime, duration: e.duration, detail: (e as PerformanceMeasure).detail,
  })), name);
}

async function longTasks(page: Page, from: number, to: number): Promise<number[]> {
  return page.evaluate(([a, b]) => (window.__longTasks ?? [])
    .filter((t) => t.startTime >= a! && t.startTime <= b! && t.duration > 50).map((t) => t.duration), [from, to]);
}

async function waitForMeasureCount(page: Page, name: string, count: number, timeout = 600_000) {
  await page.waitForFunction(([n, c]) => performance.getEntriesByName(n as string, 'measure').length >= (c as number), [name, count], { timeout, polling: 20 });
}

async function api<T>(base: string, token: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(base + path, { method, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (res.status === 204 ? undefined : res.json()) as T;
}

/** Twenty LFs over the demo's text and features: regexes over the comment text, thresholds on the rule columns. */
function benchLfs(): { type: 'regex' | 'template'; body: Record<string, unknown> }[] {
  const words = ['http', 'free', 'click', 'subscribe', 'check out', 'win', 'money', 'channel', 'love', 'thanks', 'song', 'great'];
  const regexes = words.map((w, i) => ({ type: 'regex' as const, body: { name: `bench_re_${i}`, field: 'text', pattern: w, case_insensitive: true, label: i < 8 ? 'SPAM' : 'HAM' } }));
  const templates = [
    { field: 'text_length', operator: '>', value: 80, label: 'SPAM' }, { field: 'text_length', operator: '<', value: 25, label: 'HAM' },
    { field: 'has_link', operator: '==', value: true, label: 'SPAM' }, { field: 'all_caps', operator: '==', value: true, label: 'SPAM' },
    { field: 'author_comments', operator: '>', value: 20, label: 'SPAM' }, { field: 'author_comments', operator: '<=', value: 2, label: 'HAM' },
    { field: 'text', operator: 'contains', value: '!!!', label: 'SPAM' }, { field: 'text', operator: 'startswith', value: 'I ', label: 'HAM' },
  ].map((t, i) => ({ type: 'template' as const, body: { name: `bench_tpl_${i}`, ...t } }));
  return [...regexes, ...templates].slice(0, LF_COUNT);
}

const dataDir = mkdtempSync(join(tmpdir(), 'reef-bench-web-'));
console.log(`bench:web — ${ROWS.toLocaleString('en-US')} rows, ${LF_COUNT} LFs, Chromium ${'/usr/bin/chromium'}`);
/** Waits until every index and rule of the concept is materialized (the first start materializes the demo). */
async function waitForMaterialized(base: string, token: string): Promise<void> {
  for (let waited = 0; waited < 1_800_000; waited += 500) {
    const [concept] = await api<{ c_id: string }[]>(base, token, 'GET', '/api/concepts');
    if (concept) {
      const catalog = await api<{ indexes: { is_materialized: boolean }[]; rules: { is_materialized: boolean }[] }>(base, token, 'GET', `/api/concepts/${concept.c_id}/catalog`);
      if ([...catalog.indexes, ...catalog.rules].every((a) => a.is_materialized)) return;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('the demo assets were not materialized within 30 minutes');
}

// The first start creates the demo concept; `reef demo` then regenerates its data at the benchmark's size.
const first = await startReef({ dataDir });
await waitForMaterialized(first.url, first.token);
await first.stop();
const demoStarted = Date.now();
const demo = spawnSync(process.execPath, ['bin/reef.js', 'demo', '--rows', String(ROWS)], { cwd: repoRoot, env: { ...process.env, REEF_DATA_DIR: dataDir }, encoding: 'utf8' });
if (demo.status !== 0) throw new Error(`reef demo failed:\n${demo.stdout}\n${demo.stderr}`);
console.log(`demo dataset generated and materialized in ${((Date.now() - demoStarted) / 1000).toFixed(1)} s`);

const server = await startReef({ dataDir });
const browser = await launchChromium();
try {
  const [concept] = await api<{ c_id: string; name: string }[]>(server.url, server.token, 'GET', '/api/concepts');
  const cId = concept!.c_id;
  // Only the bench's 20 LFs: the demo's own LFs (and any custom one) are removed first.
  for (const lf of await api<{ lf_id: string }[]>(server.url, server.token, 'GET', `/api/concepts/${cId}/labeling-functions`)) {
    await api(server.url, server.token, 'DELETE', `/api/concepts/${cId}/labeling-functions/${lf.lf_id}`);
  }
  for (const lf of benchLfs()) await api(server.url, server.token, 'POST', `/api/concepts/${cId}/labeling-functions/${lf.type}`, lf.body);

  const page = await browser.context.newPage();
  await page.addInitScript(() => {
    const tasks: { startTime: number; duration: number }[] = [];
    window.__longTasks = tasks;
    new PerformanceObserver((list) => { for (const e of list.getEntries()) tasks.push({ startTime: e.startTime, duration: e.duration }); })
      .observe({ type: 'longtask', buffered: true });
  });

  await page.goto(`${server.url}/concepts/${cId}?token=${server.token}`);
  await waitForMeasureCount(page, 'reef:asset-load', 1);
  const cold = (await measures(page, 'reef:asset-load'))[0]!;
  await waitForMeasureCount(page, 'reef:lf-update', LF_COUNT);
  const initial = (await measures(page, 'reef:lf-update')).slice(0, LF_COUNT);
  const fullRecompute = initial[initial.length - 1]!.startTime + initial[initial.length - 1]!.duration - initial[0]!.startTime;

  await page.reload();
  await waitForMeasureCount(page, 'reef:asset-load', 1);
  const cached = (await measures(page, 'reef:asset-load'))[0]!;
  await waitForMeasureCount(page, 'reef:lf-update', LF_COUNT);

  // 20 edits of different kinds: each regex gets an alternative, each threshold a new value.
  const editsFrom = await page.evaluate(() => performance.now());
  const cells = page.locator('.lf-cell');
  for (let i = 0; i < LF_COUNT; i++) {
    const before = (await measures(page, 'reef:lf-update')).length;
    const cell = cells.nth(i);
    const pattern = cell.getByLabel('Pattern');
    if (await pattern.count()) await pattern.fill(`${await pattern.inputValue()}|zq${i}`);
    else {
      const value = cell.getByLabel('Value');
      const current = await value.inputValue();
      await value.fill(/^-?\d+(\.\d+)?$/.test(current) ? String(Number(current) + 1) : current === 'true' ? 'false' : `${current}x`);
    }
    await waitForMeasureCount(page, 'reef:lf-update', before + 1);
  }
  const editsTo = await page.evaluate(() => performance.now());
  const editMeasures = (await measures(page, 'reef:lf-update')).filter((m) => m.startTime >= editsFrom);
  const edits = editMeasures.map((m) => m.duration);
  type EditDetail = { type?: string; workerMs?: number; answeredMs?: number; phases?: Record<string, number> } | undefined;
  const detailOf = (m: Measure) => m.detail as EditDetail;
  const editWorkerMs = editMeasures.map((m) => detailOf(m)?.workerMs ?? NaN).filter((x) => !Number.isNaN(x));
  const p50Of = (xs: (number | undefined)[]) => median(xs.filter((x): x is number => typeof x === 'number'));
  const editPhases = ['votes', 'stats', 'samples', 'summary'].map((p) => `${p} ${ms(p50Of(editMeasures.map((m) => detailOf(m)?.phases?.[p])))}`).join(', ');
  const editMessaging = p50Of(editMeasures.map((m) => (detailOf(m)?.answeredMs ?? NaN) - (detailOf(m)?.workerMs ?? NaN)).filter((x) => !Number.isNaN(x)));
  const editRender = p50Of(editMeasures.map((m) => m.duration - (detailOf(m)?.answeredMs ?? NaN)).filter((x) => !Number.isNaN(x)));
  const editsOfType = (type: string) => editMeasures.filter((m) => detailOf(m)?.type === type).map((m) => m.duration);
  const editLongTasks = await longTasks(page, editsFrom, editsTo);

  const train = page.getByTestId('node-train');
  await train.getByRole('combobox').selectOption('snorkel');
  const trainFrom = await page.evaluate(() => performance.now());
  await train.getByRole('button', { name: 'Train Model' }).click();
  await waitForMeasureCount(page, 'reef:train', 1);
  const trainTo = await page.evaluate(() => performance.now());
  const fit = (await measures(page, 'reef:train'))[0]!;
  const trainLongTasks = await longTasks(page, trainFrom, trainTo);
  // Then the result is written as Parquet, kept on the server as a run, and its page shown.
  await page.getByTestId('result-kept').or(page.getByTestId('result-not-kept')).waitFor({ timeout: 300_000 });
  const shownTo = await page.evaluate(() => performance.now());
  const keptLongTasks = await longTasks(page, trainTo, shownTo);
  const kept = await page.getByTestId('result-kept').count();

  const rows: [string, string, string][] = [
    ['cold asset load (reef:asset-load, downloaded)', ms(cold.duration), '≤ 5000 ms'],
    ['cached asset load (reef:asset-load, Cache API)', ms(cached.duration), '≤ 1500 ms'],
    [`LF edit → cell stats + LF summary, p50 of ${edits.length} edits (reef:lf-update)`, ms(median(edits)), '≤ 100 ms'],
    ['  slowest edit', ms(Math.max(...edits)), ''],
    ['  of which in the data worker (LF run + stats), p50', ms(median(editWorkerMs)), ''],
    ['  message passing + main-thread wait (answer − worker), p50', ms(editMessaging), ''],
    ['  React render to the next frame (measure − answer), p50', ms(editRender), ''],
    [`  regex edits p50 (${editsOfType('regex').length}) / template edits p50 (${editsOfType('template').length})`, `${ms(median(editsOfType('regex')))} / ${ms(median(editsOfType('template')))}`, ''],
    [`baseline: recompute all ${LF_COUNT} LF columns + summary (notebook load)`, ms(fullRecompute), 'measured, same run'],
    [`label model fit + predict, snorkel 100 epochs, ${ROWS.toLocaleString('en-US')}×${LF_COUNT} (reef:train)`, ms(fit.duration), '≤ 1000 ms'],
    ['main-thread tasks > 50 ms while editing', `${editLongTasks.length} (max ${ms(Math.max(0, ...editLongTasks))})`, '0'],
    ['main-thread tasks > 50 ms while training', `${trainLongTasks.length} (max ${ms(Math.max(0, ...trainLongTasks))})`, '0'],
    [`fit → results page, result ${kept ? 'kept on the server' : 'NOT kept'} (Parquet, upload, page)`, ms(shownTo - trainTo), ''],
    ['  main-thread tasks > 50 ms meanwhile', `${keptLongTasks.length} (max ${ms(Math.max(0, ...keptLongTasks))})`, '0'],
  ];
  const width = Math.max(...rows.map((r) => r[0].length));
  console.log(`\n${'measure'.padEnd(width)}  ${'measured'.padStart(14)}  target / baseline`);
  for (const [name, value, target] of rows) console.log(`${name.padEnd(width)}  ${value.padStart(14)}  ${target}`);
  const phases = (m: Measure) => {
    const d = m.detail as { workerMs?: number; phases?: Record<string, number> } | undefined;
    return d?.phases ? `in the data worker ${ms(d.workerMs ?? NaN)}: ${Object.entries(d.phases).map(([p, t]) => `${p} ${ms(t)}`).join(', ')}` : '';
  };
  console.log(`\ncold load ${phases(cold)}\ncached load ${phases(cached)}`);
  console.log(`LF edit in the data worker, p50 per phase: ${editPhases}`);
  console.log('each edit: LF, type, total = votes + stats + samples + summary in the worker, then messaging and render');
  for (const m of editMeasures) {
    const d = detailOf(m) as (EditDetail & { lf?: string }) | undefined;
    const p = d?.phases ?? {};
    console.log(`  ${String(d?.lf).padEnd(14)} ${String(d?.type).padEnd(8)} ${ms(m.duration).padStart(7)} = ${['votes', 'stats', 'samples', 'summary'].map((k) => ms(p[k] ?? NaN)).join(' + ')}, messaging ${ms((d?.answeredMs ?? NaN) - (d?.workerMs ?? NaN))}, render ${ms(m.duration - (d?.answeredMs ?? NaN))}`);
  }
  console.log(`\none edit vs recomputing every LF: ${(fullRecompute / median(edits)).toFixed(1)}× faster`);
} finally {
  await browser.close();
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
