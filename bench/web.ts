// bench:web — the studio in headless Chromium on the demo dataset (1,000,000 rows by default, BENCH_ROWS to
// change) with 20 regex, template and SQL LFs: cold and cached asset load, LF edit → updated stats (p50 and p95 per
// kind, 40 edits), label-model fit + predict, and main-thread tasks over 50 ms while editing, training and showing
// the results. Figures come from the
// app's own User Timing measures (reef:asset-load, reef:lf-update, reef:train). The baseline, measured in the same
// run, is recomputing every LF's votes from scratch (what the notebook does on load), against one edit; the cached
// load's is the cold load. BENCH_KEEP_DATA=1 keeps the data folder it made.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launchChromium, startReef } from '../e2e/harness.ts';

declare global {
  /** The long tasks the page observed, recorded by the init script below. */
  interface Window { __longTasks?: { startTime: number; duration: number }[]; __longFrames?: LongFrame[] }
}

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const LF_COUNT = 20;
/** Every LF is edited this many times, so each kind has enough edits for a p95. */
const EDIT_ROUNDS = 2;
const repoRoot = new URL('..', import.meta.url).pathname;

interface Measure { name: string; startTime: number; duration: number; detail?: unknown }
/** A long animation frame (LoAF) as recorded: where its time went, to say what a long task was. */
interface LongFrame {
  startTime: number; duration: number; renderStart: number; styleAndLayoutStart: number;
  scripts: { invoker: string; sourceFunctionName: string; duration: number; forcedStyleAndLayoutDuration: number }[];
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
/** The nearest-rank percentile (p in 0..100). */
const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
};
const ms = (x: number) => (Number.isNaN(x) ? '—' : `${x.toFixed(0)} ms`);

async function measures(page: Page, name: string): Promise<Measure[]> {
  return page.evaluate((n) => performance.getEntriesByName(n, 'measure').map((e) => ({
    name: e.name, startTime: e.startTime, duration: e.duration, detail: (e as PerformanceMeasure).detail,
  })), name);
}

async function longTasks(page: Page, from: number, to: number): Promise<number[]> {
  return page.evaluate(([a, b]) => (window.__longTasks ?? [])
    .filter((t) => t.startTime >= a! && t.startTime <= b! && t.duration > 50).map((t) => t.duration), [from, to]);
}

/**
 * Each long task of the windows, with the long animation frame it ran in (Chromium's LoAF): the scripts that ran
 * (what invoked them, how long, of which forced style and layout) and the frame's rendering (after rAF callbacks: style, layout, paint).
 */
async function explainLongTasks(page: Page, windows: [string, number, number][]) {
  const { tasks, frames } = await page.evaluate(() => ({ tasks: window.__longTasks ?? [], frames: window.__longFrames ?? [] }));
  for (const [name, from, to] of windows) {
    for (const task of tasks.filter((t) => t.startTime >= from && t.startTime <= to && t.duration > 50)) {
      const frame = frames.find((f) => f.startTime <= task.startTime + 1 && task.startTime < f.startTime + f.duration);
      const scripts = frame?.scripts.filter((x) => x.duration >= 5)
        .map((x) => `${x.invoker}${x.sourceFunctionName ? ` (${x.sourceFunctionName})` : ''} ${ms(x.duration)}${x.forcedStyleAndLayoutDuration ? `, forced layout ${ms(x.forcedStyleAndLayoutDuration)}` : ''}`).join('; ');
      const rendering = frame?.renderStart ? `rendering ${ms(frame.startTime + frame.duration - frame.renderStart)} (style, layout and paint ${ms(frame.startTime + frame.duration - frame.styleAndLayoutStart)})` : 'no rendering';
      console.log(`long task while ${name}: ${ms(task.duration)}; ${frame ? `its frame ${ms(frame.duration)}: ${scripts || 'no script over 5 ms'}; ${rendering}` : 'no long frame recorded'}`);
    }
  }
}

async function waitForMeasureCount(page: Page, name: string, count: number, timeout = 600_000) {
  await page.waitForFunction(([n, c]) => performance.getEntriesByName(n as string, 'measure').length >= (c as number), [name, count], { timeout, polling: 20 });
}

async function api<T>(base: string, token: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(base + path, { method, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (res.status === 204 ? undefined : res.json()) as T;
}

type BenchLfType = 'regex' | 'template' | 'sql';

/** Twenty LFs over the demo's text and features, of the three kinds a user edits in the notebook: regexes over the
 *  comment text, thresholds on the rule columns (templates) and SQL expressions over both. */
function benchLfs(): { type: BenchLfType; body: Record<string, unknown> }[] {
  const words = ['http', 'free', 'click', 'subscribe', 'check out', 'love', 'thanks', 'song'];
  const regexes = words.map((w, i) => ({ type: 'regex' as const, body: { name: `bench_re_${i}`, field: 'text', pattern: w, case_insensitive: true, label: i < 5 ? 'SPAM' : 'HAM' } }));
  const templates = [
    { field: 'text_length', operator: '>', value: 80, label: 'SPAM' }, { field: 'text_length', operator: '<', value: 25, label: 'HAM' },
    { field: 'has_link', operator: '==', value: true, label: 'SPAM' }, { field: 'all_caps', operator: '==', value: true, label: 'SPAM' },
    { field: 'author_comments', operator: '>', value: 20, label: 'SPAM' }, { field: 'author_comments', operator: '<=', value: 2, label: 'HAM' },
  ].map((t, i) => ({ type: 'template' as const, body: { name: `bench_tpl_${i}`, ...t } }));
  const sqls = [
    { expression: 'text_length > 120 AND has_link', label: 'SPAM' }, { expression: 'author_comments BETWEEN 3 AND 10', label: 'HAM' },
    { expression: "lower(text) LIKE '%subscribe%'", label: 'SPAM' }, { expression: 'NOT has_link AND text_length < 40', label: 'HAM' },
    { expression: "all_caps OR text LIKE '%!!%'", label: 'SPAM' }, { expression: 'text_length BETWEEN 25 AND 60', label: 'HAM' },
  ].map((q, i) => ({ type: 'sql' as const, body: { name: `bench_sql_${i}`, ...q } }));
  return [...regexes, ...templates, ...sqls].slice(0, LF_COUNT);
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
    const frames: LongFrame[] = [];
    window.__longFrames = frames;
    new PerformanceObserver((list) => {
      // TypeScript's DOM types have no LoAF entry yet: its fields as LongFrame names them.
      for (const e of list.getEntries() as unknown as LongFrame[]) {
        const { startTime, duration, renderStart, styleAndLayoutStart } = e;
        const scripts = e.scripts.map(({ invoker, sourceFunctionName, duration: d, forcedStyleAndLayoutDuration }) => ({ invoker, sourceFunctionName, duration: d, forcedStyleAndLayoutDuration }));
        frames.push({ startTime, duration, renderStart, styleAndLayoutStart, scripts });
      }
    }).observe({ type: 'long-animation-frame', buffered: true });
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

  // Two rounds of 20 edits of the three kinds: each regex gets an alternative, each threshold a new value, each SQL
  // expression one more condition.
  const editsFrom = await page.evaluate(() => performance.now());
  const cells = page.locator('.lf-cell');
  for (let e = 0; e < EDIT_ROUNDS * LF_COUNT; e++) {
    const i = e % LF_COUNT;
    const before = (await measures(page, 'reef:lf-update')).length;
    const cell = cells.nth(i);
    const pattern = cell.getByLabel('Pattern');
    const expression = cell.getByLabel('SQL expression');
    if (await pattern.count()) await pattern.fill(`${await pattern.inputValue()}|zq${e}`);
    else if (await expression.count()) await expression.fill(`(${await expression.inputValue()}) AND text_length <> ${-1 - e}`);
    else {
      const value = cell.getByLabel('Value');
      const current = await value.inputValue();
      await value.fill(/^-?\d+(\.\d+)?$/.test(current) ? String(Number(current) + 1) : current === 'true' ? 'false' : current === 'false' ? 'true' : `${current}x`);
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
  const editsOfType = (type: BenchLfType) => editMeasures.filter((m) => detailOf(m)?.type === type).map((m) => m.duration);
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

  const maxTask = (tasks: number[]) => `${tasks.length} (max ${ms(Math.max(0, ...tasks))})`;
  const allTasks = [...editLongTasks, ...trainLongTasks, ...keptLongTasks];
  const recompute = `${ms(fullRecompute)} (all ${LF_COUNT} LFs from scratch)`;
  const rows: [string, string, string, string][] = [
    ['cold asset load (reef:asset-load, downloaded)', ms(cold.duration), '≤ 5000 ms', '—'],
    ['cached asset load (reef:asset-load, OPFS batch cache)', ms(cached.duration), '≤ 1500 ms', `${ms(cold.duration)} (cold)`],
    [`LF edit → cell stats + LF summary, p50 of ${edits.length} edits (reef:lf-update)`, ms(median(edits)), '≤ 100 ms', recompute],
    ...(['regex', 'template', 'sql'] as const).map((type): [string, string, string, string] => {
      const of = editsOfType(type);
      return [`  ${type} edits p50 / p95 (${of.length})`, `${ms(median(of))} / ${ms(percentile(of, 95))}`, '≤ 100 ms p50', recompute];
    }),
    ['  slowest edit', ms(Math.max(...edits)), '', ''],
    ['  of which in the data worker (LF run + stats), p50', ms(median(editWorkerMs)), '', ''],
    ['  message passing + main-thread wait (answer − worker), p50', ms(editMessaging), '', ''],
    ['  React render to the next frame (measure − answer), p50', ms(editRender), '', ''],
    [`label model fit + predict, snorkel 100 epochs, ${ROWS.toLocaleString('en-US')}×${LF_COUNT} (reef:train)`, ms(fit.duration), '≤ 1000 ms', '—'],
    ['main-thread tasks > 50 ms while editing', maxTask(editLongTasks), '0', ''],
    ['main-thread tasks > 50 ms, Train Model → fit done', maxTask(trainLongTasks), '0', ''],
    [`fit → results page, result ${kept ? 'kept on the server' : 'NOT kept'} (Parquet, upload, page)`, ms(shownTo - trainTo), '', ''],
    ['  main-thread tasks > 50 ms meanwhile', maxTask(keptLongTasks), '0', ''],
    ['longest main-thread task (editing, training, results)', ms(Math.max(0, ...allTasks)), '≤ 50 ms', ''],
  ];
  const width = Math.max(...rows.map((r) => r[0].length));
  console.log(`\n${'measure'.padEnd(width)}  ${'measured'.padStart(17)}  ${'goal'.padEnd(12)}  baseline, same run`);
  for (const [name, value, goal, baseline] of rows) console.log(`${name.padEnd(width)}  ${value.padStart(17)}  ${goal.padEnd(12)}  ${baseline}`);
  const phases = (m: Measure) => {
    const d = m.detail as { workerMs?: number; waitMs?: number; phases?: Record<string, number> } | undefined;
    if (!d?.phases) return '';
    // The measure is the wait for the worker (its start, script, earlier messages), its load, then the page's answer.
    const answer = m.duration - (d.waitMs ?? NaN) - (d.workerMs ?? NaN);
    return `${ms(m.duration)}: wait for the worker ${ms(d.waitMs ?? NaN)}, in the data worker ${ms(d.workerMs ?? NaN)} (${Object.entries(d.phases).map(([p, t]) => `${p} ${ms(t)}`).join(', ')}), answer to the page ${ms(answer)}`;
  };
  console.log(`\ncold load ${phases(cold)}\ncached load ${phases(cached)}`);
  console.log(`LF edit in the data worker, p50 per phase: ${editPhases}`);
  const trainPhases = (fit.detail as { phases?: Record<string, number> } | undefined)?.phases;
  if (trainPhases) console.log(`reef:train ${ms(fit.duration)}: ${Object.entries(trainPhases).map(([p, t]) => `${p} ${ms(t)}`).join(', ')}`);
  console.log('each edit: LF, type, total = votes + stats + samples + summary in the worker, then messaging and render');
  for (const m of editMeasures) {
    const d = detailOf(m) as (EditDetail & { lf?: string }) | undefined;
    const p = d?.phases ?? {};
    console.log(`  ${String(d?.lf).padEnd(14)} ${String(d?.type).padEnd(8)} ${ms(m.duration).padStart(7)} = ${['votes', 'stats', 'samples', 'summary'].map((k) => ms(p[k] ?? NaN)).join(' + ')}, messaging ${ms((d?.answeredMs ?? NaN) - (d?.workerMs ?? NaN))}, render ${ms(m.duration - (d?.answeredMs ?? NaN))}`);
  }
  console.log(`\none edit vs recomputing every LF: ${(fullRecompute / median(edits)).toFixed(1)}× faster`);
  await explainLongTasks(page, [['editing', editsFrom, editsTo], ['training', trainFrom, trainTo], ['results', trainTo, shownTo]]);
} finally {
  await browser.close();
  await server.stop();
  // BENCH_KEEP_DATA=1 leaves the folder (the demo at this size with the bench's LFs) for bench/trace-studio.ts.
  if (process.env.BENCH_KEEP_DATA) console.log(`data folder kept: ${dataDir}`);
  else rmSync(dataDir, { recursive: true, force: true });
}
