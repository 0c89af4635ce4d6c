// npm run bench:custom-lf — custom LFs on the server: the same LF as TypeScript (QuickJS sandbox) and as Python
// (Pyodide in its confined child process), over the same 200,000 rows, beside the plain JavaScript function run
// without any sandbox (the floor). Prints rows/s (median of 3) and each sandbox's start-up time. Then, when
// Chromium is here, the same two LFs in the studio's browser sandbox (opaque-origin iframe → worker) on the demo's
// samples, pressing Run preview as a user does; the figures come from the app's `reef:custom-lf` measures.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiAs, launchChromium, startReef } from '../e2e/harness.ts';
import { columnBatchFromRows } from '../shared/lf/column-batch.ts';
import type { AssetSchema } from '../shared/lf/types.ts';
import { PythonLfSandbox } from '../edge-api/sandbox/python-sandbox.ts';
import { customLfVotes } from '../edge-api/sandbox/sandbox-thread.ts';

const ROWS = Number(process.env.BENCH_ROWS ?? 200_000);
const RUNS = 3;
const schema: AssetSchema = { columns: [{ name: 'text', type: 'string' }, { name: 'likes', type: 'integer' }] };
const rows = Array.from({ length: ROWS }, (_, i) => ({ text: i % 3 === 0 ? `check out http://spam.example/${i}` : `nice song number ${i}`, likes: i % 100 }));
const batch = columnBatchFromRows(schema, rows);
const limits = { batchTimeoutMs: 60_000, memoryBytes: 256 * 1024 * 1024, batchRows: 10_000 };

const TS = `(row: Row) => row.text !== null && row.text.includes('http') ? 1 : (row.likes ?? 0) > 90 ? 0 : ABSTAIN`;
const PY = `def lf(x):\n    if x.text is not None and "http" in x.text:\n        return SPAM\n    return HAM if (x.likes or 0) > 90 else ABSTAIN\n`;
const plain = (row: { text: string | null; likes: number | null }) => (row.text !== null && row.text.includes('http') ? 1 : (row.likes ?? 0) > 90 ? 0 : -1);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');

async function measure(name: string, start: () => Promise<{ votes: (s: number) => Promise<Int8Array | Int16Array> | Int8Array | Int16Array; dispose: () => void }>) {
  const startMs: number[] = [];
  const rate: number[] = [];
  let votes: Int8Array | Int16Array | undefined;
  for (let run = 0; run < RUNS; run++) {
    const t0 = performance.now();
    const lf = await start();
    const t1 = performance.now();
    votes = await lf.votes(run);
    const t2 = performance.now();
    lf.dispose();
    startMs.push(t1 - t0);
    rate.push(ROWS / ((t2 - t1) / 1000));
  }
  return { name, startMs: median(startMs), rowsPerSecond: median(rate), votes: votes! };
}

const results = [
  await measure('plain JavaScript, no sandbox (floor)', async () => ({
    votes: () => Int8Array.from(rows, plain), dispose: () => {},
  })),
  await measure('TypeScript LF, QuickJS sandbox on a worker thread', async () => ({
    votes: async () => (await customLfVotes({ name: 'ts', code: TS }, batch, schema.columns, 2, limits, 600_000)).votes, dispose: () => {},
  })),
  await measure('Python LF, Pyodide in a confined process', async () => {
    const s = await PythonLfSandbox.create({ name: 'py', code: PY, allowedImports: [], classes: ['ham', 'spam'] }, limits);
    return { votes: async () => (await s.votes(batch, schema.columns, 2)).votes, dispose: () => s.dispose() };
  }),
];
const same = results.every((r) => r.votes.every((v, i) => v === results[0]!.votes[i]));
console.log(`bench:custom-lf — ${fmt(ROWS)} rows, one LF, median of ${RUNS} runs; votes identical across all three: ${same ? 'yes' : 'NO'}`);
console.log('| runner | start-up | rows/s | vs TypeScript sandbox |');
console.log('|---|---|---|---|');
for (const r of results) console.log(`| ${r.name} | ${fmt(r.startMs)} ms | ${fmt(r.rowsPerSecond)} | ${(r.rowsPerSecond / results[1]!.rowsPerSecond).toFixed(2)}x |`);
if (!same) process.exitCode = 1;

await browserSandboxes();

/** The studio's own sandboxes in Chromium: Run preview pressed RUNS + 1 times per LF (the first starts the sandbox). */
async function browserSandboxes(): Promise<void> {
  const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(chromiumPath)) {
    console.log(`\nbrowser sandboxes: skipped, no Chromium at ${chromiumPath} (apt-get install -y chromium)`);
    return;
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'reef-bench-custom-lf-'));
  const server = await startReef({ dataDir });
  const browser = await launchChromium();
  try {
    const api = <T>(method: string, path: string, body?: unknown) => apiAs<T>(server, method, path, body);
    const [concept] = await api<{ c_id: string; values: string[] }[]>('GET', '/api/concepts');
    const cId = concept!.c_id;
    for (const lf of await api<{ lf_id: string }[]>('GET', `/api/concepts/${cId}/labeling-functions`)) {
      await api('DELETE', `/api/concepts/${cId}/labeling-functions/${lf.lf_id}`);
    }
    const spam = concept!.values.indexOf('SPAM');
    await api('POST', `/api/concepts/${cId}/labeling-functions/custom`, { name: 'links_ts', label: 'SPAM', code: `(row: Row) => (row.text ?? '').includes('http') ? ${spam} : ABSTAIN` });
    await api('POST', `/api/concepts/${cId}/labeling-functions/custom`, { name: 'links_py', label: 'SPAM', language: 'python', allowed_imports: [], code: 'def lf(x):\n    return SPAM if "http" in (x.text or "") else ABSTAIN\n' });

    const page = await browser.context.newPage();
    await page.goto(`${server.url}/concepts/${cId}?token=${server.token}`);
    await page.getByTestId('samples-loaded').waitFor({ timeout: 300_000 });
    const rowsOf: Record<string, { startMs: number; rate: number; rows: number }> = {};
    for (const [name, language] of [['links_ts', 'typescript'], ['links_py', 'python']] as const) {
      const cell = page.locator('.lf-cell').filter({ has: page.locator(`input[value="${name}"]`) });
      const durations: number[] = [];
      let rows = 0;
      for (let run = 0; run <= RUNS; run++) {
        const before = await page.evaluate(() => performance.getEntriesByName('reef:custom-lf', 'measure').length);
        await cell.getByRole('button', { name: /Run preview/ }).click();
        await page.waitForFunction((n) => performance.getEntriesByName('reef:custom-lf', 'measure').length > n, before, { timeout: 300_000 });
        const m = await page.evaluate(() => {
          const e = performance.getEntriesByName('reef:custom-lf', 'measure').at(-1) as PerformanceMeasure;
          return { duration: e.duration, detail: e.detail as { language: string; rows: number; error?: string } };
        });
        if (m.detail.error) throw new Error(`${name}: ${m.detail.error}`);
        durations.push(m.duration);
        rows = m.detail.rows;
      }
      const steady = median(durations.slice(1));
      rowsOf[language] = { startMs: durations[0]! - steady, rate: rows / (steady / 1000), rows };
    }
    const rows = rowsOf.typescript!.rows;
    console.log(`\nbrowser sandboxes (Chromium, Run preview in the studio) — ${fmt(rows)} demo samples, median of ${RUNS} runs after the first`);
    console.log('| runner | start-up (first run − median) | rows/s | vs TypeScript sandbox |');
    console.log('|---|---|---|---|');
    for (const [name, r] of [['TypeScript LF, iframe → worker', rowsOf.typescript!], ['Python LF, Pyodide in the iframe\'s worker', rowsOf.python!]] as const) {
      console.log(`| ${name} | ${fmt(Math.max(0, r.startMs))} ms | ${fmt(r.rate)} | ${(r.rate / rowsOf.typescript!.rate).toFixed(2)}x |`);
    }
  } finally {
    await browser.close();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
