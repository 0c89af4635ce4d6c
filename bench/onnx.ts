// npm run bench:onnx — model-LF throughput on 1,000,000 rows × 8 float features, for a linear classifier and a small
// MLP, on the server and in the browser:
// - server: onnxruntime-node (evaluateModelLf: columns → float32 batches → session.run → threshold votes), beside the
//   same models computed in plain JavaScript over the same columns (the baseline: what a hand-written TypeScript LF of
//   the same model would cost), and onnxruntime-web's wasm build under Node's V8 on one thread;
// - browser: headless Chromium, the app's own model-LF worker (web/src/workers/model-lf.worker.ts, as built in
//   web/dist, onnxruntime-web wasm, batches of 65,536 rows) on the same rows, generated in the page by the same
//   seeded generator; its votes are compared with onnxruntime-node's row by row.
// Timings are medians of repeats after one warm-up. BENCH_BROWSER=0 skips the browser part.
import { readdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import * as ortWeb from 'onnxruntime-web/wasm';
import type { BatchColumn, ColumnBatch } from '../shared/lf/column-batch.ts';
import { encodeModel, evaluateModelLf, linearClassifierToOnnx, loadOnnxModel, type ModelLfSpec } from '../shared/onnx/index.ts';
import { loadOnnxRuntime } from '../edge-api/models/onnx-runtime.ts';
import { launchChromium, startReef } from '../e2e/harness.ts';

const N = 1_000_000;
const F = 8;
const C = 3;
const HIDDEN = 64;
const REPEATS = 3;
const BATCHES = [8_192, 65_536, 262_144];

/** Deterministic pseudo-random numbers (a 32-bit LCG), so every run scores the same rows; the page runs it too. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

const random = lcg(42);
const columns: Record<string, BatchColumn> = {};
const names = Array.from({ length: F }, (_, j) => `f${j}`);
for (const name of names) columns[name] = { type: 'float', values: Float64Array.from({ length: N }, () => random() * 4 - 2), nulls: null };
const batch: ColumnBatch = { length: N, columns };

const w1 = Float32Array.from({ length: F * HIDDEN }, () => random() - 0.5);
const b1 = Float32Array.from({ length: HIDDEN }, () => random() * 0.2 - 0.1);
const w2 = Float32Array.from({ length: HIDDEN * C }, () => random() - 0.5);
const b2 = Float32Array.from({ length: C }, () => random() * 0.2 - 0.1);
const wLinear = Float32Array.from({ length: F * C }, () => random() - 0.5);
const bLinear = Float32Array.from({ length: C }, () => random() * 0.2 - 0.1);

const spec: ModelLfSpec = { columns: names, output_class: 2, label: 1, threshold: 0.4 };

function mlpToOnnx(): Uint8Array {
  return encodeModel({
    graph: {
      name: 'mlp',
      nodes: [
        { op: 'MatMul', inputs: ['features', 'w1'], outputs: ['h'] },
        { op: 'Add', inputs: ['h', 'b1'], outputs: ['hb'] },
        { op: 'Relu', inputs: ['hb'], outputs: ['hr'] },
        { op: 'MatMul', inputs: ['hr', 'w2'], outputs: ['o'] },
        { op: 'Add', inputs: ['o', 'b2'], outputs: ['logits'] },
        { op: 'Softmax', inputs: ['logits'], outputs: ['probabilities'], attributes: { axis: { int: -1 } } },
      ],
      initializers: [
        { name: 'w1', type: 'float32', dims: [F, HIDDEN], data: w1 },
        { name: 'b1', type: 'float32', dims: [HIDDEN], data: b1 },
        { name: 'w2', type: 'float32', dims: [HIDDEN, C], data: w2 },
        { name: 'b2', type: 'float32', dims: [C], data: b2 },
      ],
      inputs: [{ name: 'features', type: 'float32', shape: ['N', F] }],
      outputs: [{ name: 'probabilities', type: 'float32', shape: ['N', C] }],
    },
  });
}

/** The baseline: softmax(layers(x))[class] ≥ threshold computed row by row in JavaScript. */
function votesInJs(layers: { w: Float32Array; b: Float32Array; out: number; relu: boolean }[]): Int8Array {
  const votes = new Int8Array(N);
  const values = names.map((n) => (columns[n] as { values: Float64Array }).values);
  const widest = Math.max(F, ...layers.map((l) => l.out));
  let x = new Float64Array(widest);
  let y = new Float64Array(widest);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < F; j++) x[j] = values[j]![i]!;
    let width = F;
    for (const { w, b, out, relu } of layers) {
      for (let o = 0; o < out; o++) {
        let s = b[o]!;
        for (let j = 0; j < width; j++) s += x[j]! * w[j * out + o]!;
        y[o] = relu && s < 0 ? 0 : s;
      }
      [x, y] = [y, x];
      width = out;
    }
    let max = -Infinity;
    for (let c = 0; c < C; c++) max = Math.max(max, x[c]!);
    let z = 0;
    for (let c = 0; c < C; c++) z += Math.exp(x[c]! - max);
    votes[i] = Math.exp(x[spec.output_class]! - max) / z >= spec.threshold ? spec.label : -1;
  }
  return votes;
}

async function medianMs(work: () => Promise<unknown> | unknown): Promise<number> {
  await work();
  const times: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const start = performance.now();
    await work();
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}

const rate = (ms: number) => `${Math.round(N / (ms / 1000)).toLocaleString('en-US')} rows/s`;

interface BenchModel { name: string; bytes: Uint8Array; nodeVotes?: Int8Array }

/**
 * The browser part: a page of the running app starts the built model-LF worker and calls it over comlink's wire
 * protocol (an APPLY message, RAW values), as the data worker does. The model is a blob: URL, the columns are made in
 * the page with the same generator as here, so they are the same rows.
 */
async function browserThroughput(models: BenchModel[]) {
  const assets = new URL('../web/dist/assets/', import.meta.url);
  const server = await startReef();
  const browser = await launchChromium();
  try {
    const worker = readdirSync(assets).find((f) => /^model-lf\.worker-[\w-]+\.js$/.test(f));
    if (!worker) throw new Error('web/dist has no model-lf worker: the app was not built');
    const page = await browser.context.newPage();
    await page.goto(`${server.url}/`);
    console.log(`\nload average ${loadavg().map((l) => l.toFixed(2)).join(' ')}; browser: headless Chromium ${browser.context.browser()?.version() ?? ''}, the app's model-LF worker (${worker}), onnxruntime-web wasm, 1 thread`);
    for (const m of models) {
      const out = await page.evaluate(async ({ worker, bytes, n, f, spec, repeats }) => {
        let s = 42 >>> 0;
        const random = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 4294967296; };
        const columns: Record<string, { type: 'float'; values: Float64Array; nulls: null }> = {};
        for (let j = 0; j < f; j++) columns[`f${j}`] = { type: 'float', values: Float64Array.from({ length: n }, () => random() * 4 - 2), nulls: null };
        const modelUrl = URL.createObjectURL(new Blob([new Uint8Array(bytes)]));
        const w = new Worker(`/assets/${worker}`, { type: 'module' });
        let id = 0;
        const votes = (batch: unknown) => new Promise<{ votes: Int8Array; ms: number } | { code: string; message: string }>((resolve, reject) => {
          const callId = String(++id);
          const onMessage = (e: MessageEvent) => {
            if (e.data?.id !== callId) return;
            w.removeEventListener('message', onMessage);
            if (e.data.type === 'RAW') resolve(e.data.value);
            else reject(new Error(JSON.stringify(e.data.value)));
          };
          w.addEventListener('message', onMessage);
          w.postMessage({ id: callId, type: 'APPLY', path: ['votes'], argumentList: [modelUrl, '', spec, batch].map((value) => ({ type: 'RAW', value })) });
        });
        const batch = { length: n, columns };
        const runs: { total: number; worker: number }[] = [];
        let last: Int8Array | undefined;
        for (let r = 0; r <= repeats; r++) {
          const start = performance.now();
          const result = await votes(batch);
          if ('code' in result) throw new Error(`${result.code}: ${result.message}`);
          if (r > 0) runs.push({ total: performance.now() - start, worker: result.ms });
          last = result.votes;
        }
        w.terminate();
        let text = '';
        for (let i = 0; i < last!.length; i += 8192) text += String.fromCharCode(...new Uint8Array(last!.buffer, i, Math.min(8192, last!.length - i)));
        const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
        return { totalMs: median(runs.map((x) => x.total)), workerMs: median(runs.map((x) => x.worker)), votes: btoa(text) };
      }, { worker, bytes: Array.from(m.bytes), n: N, f: F, spec, repeats: REPEATS });
      const bytes = Buffer.from(out.votes, 'base64');
      const webVotes = new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length);
      const differ = m.nodeVotes!.reduce((sum, v, i) => sum + (v === webVotes[i] ? 0 : 1), 0);
      console.log(`${m.name}`);
      console.log(`  in the worker (batches + votes; model loaded on warm-up):   ${out.workerMs.toFixed(0).padStart(6)} ms  ${rate(out.workerMs)}`);
      console.log(`  page → worker → page (columns copied in, votes moved out): ${out.totalMs.toFixed(0).padStart(6)} ms  ${rate(out.totalMs)}`);
      console.log(`  votes: ${differ} of ${N.toLocaleString('en-US')} rows differ from onnxruntime-node's`);
    }
  } finally {
    await browser.close();
    await server.stop();
  }
}

async function main() {
  const ort = await loadOnnxRuntime();
  ortWeb.env.wasm.numThreads = 1;
  console.log(`bench:onnx — model LF over ${N.toLocaleString('en-US')} rows × ${F} float features, onnxruntime-node ${ort.env.versions.node}`);
  console.log(`machine: ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const models: (BenchModel & { layers: { w: Float32Array; b: Float32Array; out: number; relu: boolean }[] })[] = [
    { name: `linear ${F}→${C} softmax`, bytes: linearClassifierToOnnx({ features: F, classes: C, weights: wLinear, bias: bLinear }),
      layers: [{ w: wLinear, b: bLinear, out: C, relu: false }] },
    { name: `MLP ${F}→${HIDDEN} relu→${C} softmax`, bytes: mlpToOnnx(),
      layers: [{ w: w1, b: b1, out: HIDDEN, relu: true }, { w: w2, b: b2, out: C, relu: false }] },
  ];
  for (const m of models) {
    const model = await loadOnnxModel(ort, m.bytes);
    console.log(`\n${m.name} (${m.bytes.length} bytes of ONNX)`);
    let onnxVotes: Int8Array | undefined;
    for (const batchRows of BATCHES) {
      const ms = await medianMs(async () => { onnxVotes = await evaluateModelLf(ort, model, spec, batch, { batchRows }); });
      if (batchRows === 65_536) m.nodeVotes = onnxVotes;
      console.log(`  onnxruntime-node (${cpus().length} CPUs), batches of ${batchRows.toLocaleString('en-US').padStart(7)} rows: ${ms.toFixed(0).padStart(6)} ms  ${rate(ms)}`);
    }
    const webModel = await loadOnnxModel(ortWeb, m.bytes);
    let webVotes: Int8Array | undefined;
    const webMs = await medianMs(async () => { webVotes = await evaluateModelLf(ortWeb, webModel, spec, batch, { batchRows: 65_536 }); });
    console.log(`  onnxruntime-web wasm (1 thread), batches of  65,536 rows: ${webMs.toFixed(0).padStart(6)} ms  ${rate(webMs)}`);
    let jsVotes: Int8Array | undefined;
    const jsMs = await medianMs(() => { jsVotes = votesInJs(m.layers); });
    console.log(`  baseline: the same model in plain JavaScript:                 ${jsMs.toFixed(0).padStart(6)} ms  ${rate(jsMs)}`);
    // float32 in the model, float64 in JavaScript: only rows at the threshold's edge may vote differently.
    const differ = onnxVotes!.reduce((s, v, i) => s + (v === jsVotes![i] ? 0 : 1), 0);
    const voted = onnxVotes!.reduce((s, v) => s + (v === spec.label ? 1 : 0), 0);
    const webDiffer = onnxVotes!.reduce((s, v, i) => s + (v === webVotes![i] ? 0 : 1), 0);
    console.log(`  votes: ${voted.toLocaleString('en-US')} rows voted; ${differ} rows differ from the JavaScript baseline, ${webDiffer} between onnxruntime-node and -web`);
    await model.session.release();
    await webModel.session.release();
  }
  if (process.env.BENCH_BROWSER !== '0') await browserThroughput(models);
}

await main();
