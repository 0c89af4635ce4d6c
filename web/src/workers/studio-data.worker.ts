// The notebook's data worker: loads the pipeline's assets, keeps the LF session and DuckDB, answers the page
// through comlink. Label matrices leave it transferred, not copied.
import * as Comlink from 'comlink';
import { LfCompileError, type LfDefinition } from '../../../shared/lf/types.ts';
import { rowTypeSource } from '../../../shared/lf/custom.ts';
import { columnValues, type BatchColumn } from '../../../shared/lf/column-batch.ts';
import { LfSession, type LfFailure, type LfResult } from '../analysis/lf-session.ts';
import type { LoadPhases } from './asset-fetch.ts';
import { joinOnKey, toSampleTable, type DecodedAsset } from './asset-table.ts';
import { batchFolder, batchFromFile, fileColumnOf, readCachedFile, storeBatch, type FileColumn } from './batch-cache.ts';
import type { DuckDbSession } from './duckdb-session.ts';
import type { LfScanApi } from './lf-scan-protocol.ts';
import type { ModelLfApi } from './model-lf-protocol.ts';
import type { TrainApi } from './train-protocol.ts';
import { movableRowRange, rowRange } from './row-range.ts';
import { keepBrowserRun } from '../api/training.ts';
import { BROWSER_TRAINING_KEY } from '../../../shared/schema/training.ts';
import { RESULT_HEAD_ROWS, type StudioDataApi } from './studio-data-protocol.ts';
import { compileLf } from '../../../shared/lf/compile.ts';
import { confidenceHistogram, confidences } from '../../../shared/labelmodel/confidence.ts';
import { labelDistribution } from '../../../shared/labelmodel/result-labels.ts';
import { HISTOGRAM_BINS } from '../../../shared/schema/results.ts';
import { pythonBatch } from '../sandbox/python-batch.ts';
import type { RowsMessage } from '../sandbox/sandbox-protocol.ts';
import type { ColumnBatch } from '../../../shared/lf/column-batch.ts';
import { PARQUET_MEDIA_TYPE } from '../../../shared/schema/asset.ts';

let session: LfSession | undefined;
/** What model LFs need to fetch their model: the API token and the concept the models were uploaded to. */
let modelSource: { token: string; conceptId: string } | undefined;
let lfNames = new Map<string, string>();
// DuckDB and Apache Arrow (SQL cells), Parquet decoding (downloads) and writing (kept results) are imported when
// first needed: a cached load, the common case, starts this worker without them (a megabyte less script to start).
let duckSession: Promise<DuckDbSession> | undefined;
const duck = () => (duckSession ??= import('./duckdb-session.ts').then((m) => new m.DuckDbSession()));
let duckHasSamples = false;

/**
 * LFs that scan text over many rows (regexes, text templates, SQL over text) run on two cores: the first half of
 * the rows here, the second in the scan worker (which receives its half once per load). Below this many rows, or
 * for LFs over numbers and booleans only (a few ms per million rows), one scan is quicker than the round trip.
 */
const SPLIT_ROWS = 100_000;
let scanWorker: Comlink.Remote<LfScanApi> | undefined;
/** The split of this load's rows; `ready` once the scan worker holds its half (until then LFs run here alone). */
let split: { at: number; head: ColumnBatch; ready: boolean } | undefined;

function scan(): Comlink.Remote<LfScanApi> {
  scanWorker ??= Comlink.wrap<LfScanApi>(new Worker(new URL('./lf-scan.worker.ts', import.meta.url), { type: 'module', name: 'reef-lf-scan' }));
  return scanWorker;
}

/**
 * Gives the scan worker its half of the rows, once this worker has every row decoded: cached columns' rows it reads
 * from their files and decodes itself (on its own core, after this load, so it takes no time from it); the other
 * columns' rows move to it (typed arrays moved, text copied). Nothing waits for it: until it is ready, LFs run over
 * every row here.
 */
function prepareSplit(s: LfSession): void {
  split = undefined;
  const { n, batch, schema } = s.table;
  if (n < SPLIT_ROWS) return;
  const at = Math.floor(n / 2);
  const files: Record<string, FileColumn> = {};
  const moved: Record<string, BatchColumn> = {};
  for (const [name, column] of Object.entries(batch.columns)) {
    const located = fileColumnOf(column);
    if (located) files[name] = located;
    else moved[name] = column;
  }
  const tail = movableRowRange({ length: n, columns: moved }, at, n);
  const current = { at, head: rowRange(batch, 0, at), ready: false };
  split = current;
  scan().load(Comlink.transfer(tail.batch, tail.buffers), files, at, schema)
    .catch(() => {
      // A file gone, or locked by another tab's load: every column's rows are sent instead.
      const all = movableRowRange(batch, at, n);
      return scan().load(Comlink.transfer(all.batch, all.buffers), {}, at, schema);
    })
    .then(() => { current.ready = true; }, () => { if (split === current) split = undefined; });
}

/** A text-scanning LF's votes, half here and half in the scan worker; undefined when the rows are not split (yet). */
async function splitVotes(s: LfSession, def: Exclude<LfDefinition, { type: 'custom' | 'model' }>): Promise<Int8Array | Int16Array | undefined> {
  if (!split?.ready || !scanWorker) return undefined;
  const compiled = compileLf(def, s.table.schema, s.k); // bad definitions fail here, before any message
  if (!compiled.fields.some((f) => s.table.batch.columns[f]?.type === 'string')) return undefined;
  const { at, head: headRows } = split;
  const tail = scanWorker.votes(def, s.k);
  const head = compiled.evaluate!(headRows);
  const rest = await tail;
  const votes = new (head.constructor as Int8ArrayConstructor)(s.table.n);
  votes.set(head);
  votes.set(rest, at);
  return votes;
}

let modelWorker: Comlink.Remote<ModelLfApi> | undefined;
/** The train worker, over the MessageChannel the page connected the two with. */
let trainer: Comlink.Remote<TrainApi> | undefined;

/** A model LF's votes from the model worker (onnxruntime-web), fed only the columns it maps. */
async function modelVotes(s: LfSession, def: Extract<LfDefinition, { type: 'model' }>): Promise<Int8Array | Int16Array> {
  compileLf(def, s.table.schema, s.k); // unknown or non-numeric columns fail here, before any message
  if (!modelSource) throw Object.assign(new Error('Load the pipeline\'s assets first.'), { code: 'MODEL_NOT_FOUND' });
  if (!def.model_id) throw Object.assign(new Error('Pick an uploaded model for this LF (or upload one).'), { code: 'MODEL_NOT_FOUND' });
  modelWorker ??= Comlink.wrap<ModelLfApi>(new Worker(new URL('./model-lf.worker.ts', import.meta.url), { type: 'module', name: 'reef-model-lf' }));
  const { type: _type, name: _name, model_id: modelId, ...spec } = def;
  const columns = Object.fromEntries(def.columns.map((c) => [c, s.table.batch.columns[c]!]));
  const out = await modelWorker.votes({ ...modelSource, modelId }, spec, { length: s.table.n, columns });
  if ('code' in out) throw Object.assign(new Error(`Model LF "${def.name}": ${out.message}`), { code: out.code });
  return s.k > 127 ? Int16Array.from(out.votes) : out.votes;
}

function current(): LfSession {
  if (!session) throw new Error('Load the pipeline\'s assets first.');
  return session;
}

const failure = (slot: string, e: unknown): LfFailure => ({
  slot,
  code: e instanceof LfCompileError || (e as { code?: unknown })?.code ? String((e as { code: unknown }).code) : 'LF_FAILED',
  message: (e as Error).message,
});

/** A column's values as DuckDB's Arrow table takes them: timestamps in milliseconds (the batch keeps microseconds). */
function duckValues(column: BatchColumn): unknown[] {
  const values = columnValues(column);
  return column.type === 'timestamp' ? values.map((v) => (v === null ? null : Number(v) / 1000)) : values;
}

const api: StudioDataApi = {
  async load(index, rules, token, k, conceptId) {
    const started = performance.now();
    modelSource = { token, conceptId };
    // Assets decoded here before come from the batch cache; the others' bytes are fetched concurrently, and
    // decoded (synchronous work) one after another.
    const phases: LoadPhases & Record<string, number> = { batchRead: 0, batchDecode: 0, bytes: 0, parquet: 0, columns: 0 };
    const refs = [index, ...rules];
    // Without OPFS (or when it fails) every load downloads: a cache is an optimisation, never a reason to fail.
    const folder = await batchFolder().catch(() => undefined);
    const files = await Promise.all(refs.map((ref) => (folder ? readCachedFile(ref, folder).catch(() => undefined) : undefined)));
    phases.batchRead = performance.now() - started;
    const decodeStarted = performance.now();
    const cached = files.map((file, i) => file && batchFromFile(file, refs[i]!.name, refs[i]!.keyColumn));
    phases.batchDecode = performance.now() - decodeStarted;
    const fetchStarted = performance.now();
    const download = cached.every(Boolean) ? undefined : await import('./asset-fetch.ts');
    const fetched = await Promise.all(refs.map((ref, i) => (cached[i] ? undefined : download!.fetchAsset(ref, token))));
    phases.bytes = performance.now() - fetchStarted;
    const decoded: DecodedAsset[] = [];
    for (const [i, f] of fetched.entries()) decoded.push(cached[i] ?? await download!.decodeAsset(f!, phases));
    const [indexData, ...ruleData] = decoded;
    const joinStarted = performance.now();
    const joined = joinOnKey(indexData!, ruleData);
    session = new LfSession(toSampleTable(index.keyColumn, joined.n, joined.columns), k);
    phases.join = performance.now() - joinStarted;
    lfNames = new Map();
    duckHasSamples = false;
    const splitStarted = performance.now();
    prepareSplit(session);
    phases.split = performance.now() - splitStarted;
    const schema = session.table.schema;
    // Stored once the load has answered, so the first load does not wait for it.
    if (folder) setTimeout(() => refs.forEach((ref, i) => { if (!cached[i]) void storeBatch(ref, decoded[i]!, folder).catch(() => undefined); }), 0);
    return {
      n: joined.n, columns: schema.columns, rowType: rowTypeSource(schema),
      fromCache: cached.every(Boolean), ms: performance.now() - started, startedAt: performance.timeOrigin + started, phases,
    };
  },
  async setLf(slot, def) {
    let result: LfResult | LfFailure;
    try {
      lfNames.set(slot, def.name);
      const started = performance.now();
      const s = current();
      const votes = def.type === 'model' ? await modelVotes(s, def) : await splitVotes(s, def);
      if (votes) {
        const placed = s.setVotes(slot, votes);
        result = { ...placed, ms: performance.now() - started, phases: { ...placed.phases, votes: placed.phases.votes + (performance.now() - started - placed.ms) } };
      } else {
        result = s.setLf(slot, def as Exclude<LfDefinition, { type: 'custom' | 'model' }>);
      }
    } catch (e) {
      current().removeLf(slot);
      result = failure(slot, e);
    }
    const summarizing = performance.now();
    const summary = current().summary();
    if ('phases' in result) result.phases = { ...result.phases, summary: performance.now() - summarizing };
    return { result, summary };
  },
  setVotes(slot, name, votes) {
    lfNames.set(slot, name);
    return { result: current().setVotes(slot, votes), summary: current().summary() };
  },
  removeLf(slot) {
    lfNames.delete(slot);
    current().removeLf(slot);
  },
  summary() {
    return current().summary();
  },
  samples(filter, offset, limit) {
    return current().samples(filter, offset, limit);
  },
  setGoldByKey(labels) {
    const s = current();
    const rows = s.rowsOfKeys(labels.map((l) => l.key));
    const entries = labels.flatMap((l, i): [number, number][] => (rows[i]! >= 0 ? [[rows[i]!, l.label]] : []));
    s.setGold(entries);
    return entries.length;
  },
  sendRows(port, format) {
    const s = current();
    const columns = Object.fromEntries(s.table.schema.columns.map((c) => [c.name, columnValues(s.table.batch.columns[c.name]!).map((v) => (typeof v === 'bigint' ? Number(v) : v))]));
    // Sent, then closed: this worker never reads what the sandbox might post on the port.
    port.postMessage((format === 'json' ? { batch: pythonBatch(columns) } : { columns }) satisfies RowsMessage);
    port.close();
    return s.table.n;
  },
  /**
   * The last training's results as Parquet (the seed's columns, keyed by the samples' keys, which live here), with
   * the training as its "reef.browser_training" metadata, uploaded to be kept as a run, and given to the caller as a
   * Blob. Written and sent from here, so neither a million-row key array nor the upload's bytes cross the main thread,
   * and the page holds no tens of megabytes of ArrayBuffer in its heap for a download that may never come.
   */
  async keepResult(cId, token, output, training) {
    const s = current();
    const predictions = s.lastPredictions();
    if (!predictions) throw new Error('Train a model first.');
    const keys = columnValues(s.table.batch.columns[s.table.keyColumn]!).map((v) => (typeof v === 'bigint' && Number.isSafeInteger(Number(v)) ? Number(v) : v));
    const { resultColumns, resultParquet } = await import('./result-table.ts');
    const columns = resultColumns({ ...predictions, keys, keyColumn: s.table.keyColumn, n: s.table.n, k: s.k, output });
    const parquet = resultParquet(columns, { [BROWSER_TRAINING_KEY]: JSON.stringify(training) });
    const uploaded = keepBrowserRun(cId, token, parquet);
    // No-vote rows all get the model's prior: left out of the histogram, which is about rows with evidence.
    const histogram = confidenceHistogram(predictions.confidence, s.k, HISTOGRAM_BINS, predictions.nVotes);
    const distribution = labelDistribution(predictions.preds, predictions.nVotes, s.k);
    return { parquet: new Blob([parquet], { type: PARQUET_MEDIA_TYPE }), kept: await uploaded, distribution, histogram };
  },
  connectTrainer(port) {
    trainer = Comlink.wrap<TrainApi>(port);
  },
  async train(slots, settings, onEpoch) {
    if (!trainer) throw new Error('The train worker is not connected.');
    const s = current();
    const building = performance.now();
    const L = s.labelMatrix(slots);
    const gold = s.goldLabels();
    const goldPerClass = new Array<number>(s.k).fill(0);
    for (const y of gold) if (y >= 0) goldPerClass[y]!++;
    const fitting = performance.now();
    const matrixMs = fitting - building;
    const { n } = s.table;
    const m = slots.length;
    // The page's callback is a proxy here: a function of this worker's forwards the train worker's calls to it.
    const counted = s.trainingCounts(slots);
    const out = await trainer.fit(
      Comlink.transfer({ L, n, m, k: s.k, gold, settings, ...(counted ? { counted } : {}) }, [L.buffer, gold.buffer, ...(counted ? [counted.nVotes.buffer] : [])]),
      Comlink.proxy((epoch: number, epochs: number) => { void onEpoch(epoch, epochs); }),
    );
    const keeping = performance.now();
    // Kept here, not copied: a copy of tens of megabytes costs a garbage collection of this worker's large heap.
    const { probs, preds, nVotes, ...rest } = out;
    s.setPredictions(preds, probs, nVotes);
    const headRows = Math.min(n, RESULT_HEAD_ROWS);
    const headProbs = probs.slice(0, headRows * s.k);
    const head = { probs: headProbs, preds: preds.slice(0, headRows), nVotes: nVotes.slice(0, headRows), confidence: confidences(headProbs, s.k) };
    const phases = { fitCall: keeping - fitting, keep: performance.now() - keeping };
    return { out: { ...rest, head }, n, m, goldPerClass, matrixMs, phases };
  },
  rows(rowIndexes) {
    const s = current();
    return rowIndexes.map((i) => s.sampleRow(i));
  },
  async sql(query) {
    const s = current();
    if (!duckHasSamples) {
      await (await duck()).putTable('samples', s.table.schema.columns.map((c) => ({ ...c, values: duckValues(s.table.batch.columns[c.name]!) })));
      duckHasSamples = true;
    }
    const slots = s.liveSlots();
    const L = s.labelMatrix(slots);
    const m = slots.length;
    const keyType = s.table.schema.columns.find((c) => c.name === s.table.keyColumn)?.type ?? 'string';
    await (await duck()).putTable('votes', [
      { name: s.table.keyColumn, type: keyType, values: duckValues(s.table.batch.columns[s.table.keyColumn]!) },
      ...slots.map((slot, c) => ({
        name: lfNames.get(slot) ?? slot, type: 'integer' as const,
        values: Array.from({ length: s.table.n }, (_, i) => L[i * m + c]),
      })),
    ]);
    return (await duck()).query(query);
  },
};

Comlink.expose(api);
