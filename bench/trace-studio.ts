// Which main-thread tasks run between pressing Train Model and the results page (or, with TRACE_EDITS=n, during n
// regex edits), and what is in them: the studio on the demo (its first start, 20,000 rows; or BENCH_DATA_DIR, a data
// folder such as BENCH_KEEP_DATA=1 npm run bench:web leaves) traced by Chromium
// (devtools.timeline), every task over 50 ms listed with its longest child events and the JavaScript functions
// sampled in it (CDP Profiler). A tool for finding long tasks, not a benchmark: it prints no goal. TRACE_FILE=path
// keeps the trace (it opens in DevTools' Performance panel), TRACE_SCREENSHOT=path a picture of the page at the end.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { chromium, type Page } from 'playwright-core';
import { chromiumFlags, demoReady, startReef } from '../e2e/harness.ts';

interface TraceEvent { name: string; ph: string; ts: number; dur?: number; pid: number; tid: number; args?: { data?: Record<string, unknown>; name?: string } }
interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }; children?: number[] }
interface Profile { nodes: ProfileNode[]; startTime: number; samples: number[]; timeDeltas: number[] }

const server = await startReef(process.env.BENCH_DATA_DIR ? { dataDir: process.env.BENCH_DATA_DIR } : {});
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true, args: chromiumFlags });
try {
  const { cId } = await demoReady(server);
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.goto(`${server.url}/concepts/${cId}?token=${server.token}`);
  await page.waitForFunction(() => performance.getEntriesByName('reef:lf-update', 'measure').length > 0, undefined, { timeout: 600_000 });
  await page.waitForTimeout(2000);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await browser.startTracing(page, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8', 'v8.execute'] });
  await cdp.send('Profiler.start');
  if (process.env.TRACE_EDITS) await editPatterns(page, Number(process.env.TRACE_EDITS));
  else await trainToResults(page);
  await page.waitForTimeout(1000);
  if (process.env.TRACE_SCREENSHOT) await page.screenshot({ path: process.env.TRACE_SCREENSHOT });
  const { profile } = await cdp.send('Profiler.stop') as { profile: Profile };
  const traced = (await browser.stopTracing()).toString('utf8');
  if (process.env.TRACE_FILE) writeFileSync(process.env.TRACE_FILE, traced);
  const events = (JSON.parse(traced) as { traceEvents: TraceEvent[] }).traceEvents;

  const mainTid = events.find((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain')?.tid;
  const onMain = events.filter((e) => e.tid === mainTid && e.ph === 'X');
  const tasks = onMain.filter((e) => e.name === 'RunTask' && (e.dur ?? 0) > 50_000);
  // Profile samples by time (µs, the trace's clock), each the function on top of the stack.
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const sampleTimes: number[] = [];
  let t = profile.startTime;
  for (const d of profile.timeDeltas) {
    t += d;
    sampleTimes.push(t);
  }
  // The built app is minified: a few characters of its code name the function better than its minified name.
  const built = new URL('../web/dist/assets/', import.meta.url).pathname;
  // Each built file read once, each profile node named once: thousands of samples name the same few nodes.
  const linesOf = new Map<string, string[]>();
  const codeAt = (file: string, line: number, column: number) => {
    if (!file || !existsSync(built + file)) return '';
    let lines = linesOf.get(file);
    if (!lines) {
      lines = readFileSync(built + file, 'utf8').split('\n');
      linesOf.set(file, lines);
    }
    return ` «${(lines[line] ?? '').slice(column, column + 70)}»`;
  };
  const names = new Map<number, string>();
  const fn = (id: number) => {
    let name = names.get(id);
    if (name === undefined) {
      const c = byId.get(id)!.callFrame;
      const file = c.url.split('/').pop() ?? '';
      name = `${c.functionName || '(anonymous)'} ${file}:${c.lineNumber + 1}:${c.columnNumber + 1}${codeAt(file, c.lineNumber, c.columnNumber)}`;
      names.set(id, name);
    }
    return name;
  };
  console.log(`${tasks.length} main-thread tasks over 50 ms ${process.env.TRACE_EDITS ? `in ${process.env.TRACE_EDITS} edits` : 'between Train Model and the results page'}`);
  for (const task of tasks) {
    const end = task.ts + task.dur!;
    const children = onMain.filter((e) => e !== task && e.ts >= task.ts && e.ts + (e.dur ?? 0) <= end && (e.dur ?? 0) > 5_000)
      .sort((a, b) => b.dur! - a.dur!).slice(0, 8)
      .map((e) => `${e.name}${e.args?.data?.functionName ? ` ${String(e.args.data.functionName)}` : ''}${e.args?.data?.url ? ` ${String(e.args.data.url).split('/').pop()}` : ''} ${(e.dur! / 1000).toFixed(0)} ms`);
    const self = new Map<string, number>();
    profile.samples.forEach((id, i) => { if (sampleTimes[i]! >= task.ts && sampleTimes[i]! <= end) self.set(fn(id), (self.get(fn(id)) ?? 0) + 1); });
    const total = [...self.values()].reduce((a, b) => a + b, 0);
    const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([f, c]) => `${f} ${(100 * c / Math.max(1, total)).toFixed(0)}%`);
    console.log(`\ntask ${(task.dur! / 1000).toFixed(0)} ms\n  events: ${children.join(' | ')}\n  sampled: ${top.join(' | ')}`);
  }
} finally {
  await browser.close();
  await server.stop();
}

async function trainToResults(page: Page) {
  const train = page.getByTestId('node-train');
  if (process.env.TRACE_MODEL) await train.getByRole('combobox').selectOption(process.env.TRACE_MODEL);
  await train.getByRole('button', { name: 'Train Model' }).click();
  await page.getByTestId('result-kept').or(page.getByTestId('result-not-kept')).waitFor({ timeout: Number(process.env.TRACE_TIMEOUT_MS ?? 600_000) })
    .catch(async (e: unknown) => {
      await page.screenshot({ path: 'trace-studio-timeout.png' });
      throw new Error(`no results page; the Train node says: ${await train.innerText()}`, { cause: e });
    });
}

/** bench:web's regex edits: each pattern gets one more alternative, one LF after another, each waited for. */
async function editPatterns(page: Page, edits: number) {
  const patterns = page.getByLabel('Pattern');
  const count = await patterns.count();
  for (let e = 0; e < edits; e++) {
    const before = await page.evaluate(() => performance.getEntriesByName('reef:lf-update', 'measure').length);
    const pattern = patterns.nth(e % count);
    await pattern.fill(`${await pattern.inputValue()}|zq${e}`);
    await page.waitForFunction((n) => performance.getEntriesByName('reef:lf-update', 'measure').length > n, before);
  }
}
