// npm run bench:custom-lf — custom LFs on the server: the same LF as TypeScript (QuickJS sandbox) and as Python
// (Pyodide in its confined child process), over the same 200,000 rows, beside the plain JavaScript function run
// without any sandbox (the floor). Prints rows/s (median of 3) and each sandbox's start-up time.
import { columnBatchFromRows } from '../shared/lf/column-batch.ts';
import type { AssetSchema } from '../shared/lf/types.ts';
import { PythonLfSandbox } from '../edge-api/runs/python-sandbox.ts';
import { customLfVotes } from '../edge-api/runs/sandbox-thread.ts';

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
