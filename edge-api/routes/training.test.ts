import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { and, eq, sql } from 'drizzle-orm';
import type { PgBoss } from 'pg-boss';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { analyzeLabelMatrix } from '../../shared/analysis/analyze.ts';
import { columnBatchFromRows, type CellValue } from '../../shared/lf/column-batch.ts';
import { compileLf } from '../../shared/lf/compile.ts';
import { computeSufficientStats, fitModel } from '../../shared/labelmodel/index.ts';
import type { Role } from '../../shared/schema/common.ts';
import { createApp } from '../app.ts';
import { apiTokens, goldLabels, labelingFunctions, partitionExecutions, runEvents, runs } from '../db/schema.ts';
import { describeDatabases } from '../db/test-databases.ts';
import { openTestQueue } from '../testing.ts';
import { openQueue } from '../runs/queue.ts';
import { createRun } from '../runs/run-store.ts';
import type { TrainingContext } from '../training/train.ts';
import { triggerSchedulesForAsset } from '../training/train-schedule.ts';
import { registerTrainingHandlers } from '../training/train-worker.ts';
import { materializeFixtureAsset } from '../training/train-fixtures.ts';
import { lfDefinitionOf } from '../../shared/schema/labeling-function.ts';
import { joinedSchema, type TrainParams } from '../training/train-spec.ts';
import { trainRunOf } from '../training/train-run.ts';
import { demoCommentsSql } from '../demo/comments.ts';
import { hashToken } from '../security/secrets.ts';
import type { ObjectStore } from '../storage/index.ts';
import { LocalObjectStore } from '../storage/local.ts';
import { S3ObjectStore } from '../storage/s3.ts';
import { startS3TestServer } from '../storage/s3-test-server.ts';
import { localPathOf } from '../training/train-duckdb.ts';
import { resultCsvFromParquet } from '../../web/src/workers/result-csv.ts';
import { parquetReadObjects } from 'hyparquet';

const ROWS = 3000;
const UNIT_ROWS = 700;
const demo = `(${demoCommentsSql(ROWS)})`;
const INDEX_SQL = `SELECT id, author, text, posted_at, video, likes FROM ${demo}`;
// The rule's `likes` collides with the index's: LFs see it as "text_features.likes", as the browser's join names it.
const RULE_SQL = `SELECT id, length(text) AS text_length, regexp_matches(text, 'https?://|www\\.') AS has_link, likes + 1 AS likes FROM ${demo}`;
const CUSTOM_ARTIST = '(row: Row) => /psy|katy/i.test(row.text ?? "") ? 0 : ABSTAIN';

describeDatabases('server training runs', (database, backend) => {
  let store: LocalObjectStore;
  let localStore: LocalObjectStore;
  let storeRoot: string;
  let boss: PgBoss;
  let databaseUrl: string | undefined;
  let trainer: TrainingContext;
  const mlflow = { requests: [] as { method: string; path: string; body: any; bytes: Buffer }[], server: undefined as Server | undefined, url: '' };

  beforeAll(async () => {
    storeRoot = mkdtempSync(join(tmpdir(), 'reef-train-test-'));
    store = new LocalObjectStore(storeRoot);
    localStore = store;
    ({ boss, url: databaseUrl } = await openTestQueue(database()));
    mlflow.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url!, 'http://x');
        const bytes = Buffer.concat(chunks);
        const body = req.headers['content-type'] === 'application/json' && bytes.length ? JSON.parse(bytes.toString()) : null;
        mlflow.requests.push({ method: req.method!, path: url.pathname + url.search, body, bytes });
        const reply = (status: number, json: object) => { res.writeHead(status, { 'Content-Type': 'application/json' }); res.end(JSON.stringify(json)); };
        if (url.pathname === '/api/2.0/mlflow/experiments/get-by-name') return reply(404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'no such experiment' });
        if (url.pathname === '/api/2.0/mlflow/experiments/create') return reply(200, { experiment_id: '17' });
        if (url.pathname === '/api/2.0/mlflow/runs/create') return reply(200, { run: { info: { run_id: 'mlrun1', experiment_id: '17', artifact_uri: 'mlflow-artifacts:/17/mlrun1/artifacts' } } });
        if (url.pathname === '/api/2.0/mlflow/runs/log-batch' || url.pathname === '/api/2.0/mlflow/runs/update') return reply(200, {});
        if (req.method === 'PUT' && url.pathname.startsWith('/api/2.0/mlflow-artifacts/artifacts/')) return reply(200, {});
        if (url.pathname === '/api/2.0/mlflow/registered-models/create') return reply(200, { registered_model: { name: body.name } });
        if (url.pathname === '/api/2.0/mlflow/model-versions/create') return reply(200, { model_version: { name: body.name, version: '1' } });
        reply(404, { error_code: 'ENDPOINT_NOT_FOUND' });
      });
    });
    await new Promise<void>((r) => mlflow.server!.listen(0, '127.0.0.1', () => r()));
    const address = mlflow.server.address() as { port: number };
    mlflow.url = `http://127.0.0.1:${address.port}`;
    trainer = { db: database().db, store, boss, unitRows: UNIT_ROWS, sandbox: { batchTimeoutMs: 1_000, memoryBytes: 32 * 1024 * 1024, batchRows: 500 } };
    await registerTrainingHandlers(boss, trainer);
  }, 60_000);

  afterAll(async () => {
    await boss?.stop({ graceful: false, close: true });
    mlflow.server?.close();
    rmSync(storeRoot, { recursive: true, force: true });
  });

  let tokens: Record<Role, string>;
  let app: ReturnType<typeof createApp>;
  beforeEach(async () => {
    mlflow.requests.length = 0;
    trainer.mlflowTrackingUri = undefined;
    app = createApp({ db: database().db, secret: 'test-secret', databaseKind: database().kind, store, trainer });
    tokens = { viewer: 'train_viewer', analyst: 'train_analyst', approver: 'train_approver', admin: 'train_admin' };
    for (const [role, token] of Object.entries(tokens)) await database().db.insert(apiTokens).values({ name: role, role, tokenHash: await hashToken(token) });
  });

  async function call(method: string, path: string, body?: unknown, as: Role = 'admin') {
    const res = await app.request(path, {
      method, headers: { Authorization: `Bearer ${tokens[as]}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text, res };
  }

  /** A concept with a 2-part index, a rule, gold labels for 300 samples, and LFs of every kind. */
  async function setUp(opts: { parts?: number; gold?: boolean; store?: ObjectStore } = {}) {
    const store = opts.store ?? localStore;
    const concept = (await call('POST', '/api/concepts', { name: 'spam', values: ['HAM', 'SPAM'] })).body;
    const c = concept.c_id as string;
    const db = database().db;
    const index = await materializeFixtureAsset(db, store, { conceptId: c, kind: 'indexes', name: 'comments', select: INDEX_SQL, keyColumn: 'id', parts: opts.parts ?? 2 });
    const rule = await materializeFixtureAsset(db, store, { conceptId: c, kind: 'rules', name: 'text_features', select: RULE_SQL, keyColumn: 'id' });
    const lf = async (type: string, body: object) => {
      const res = await call('POST', `/api/concepts/${c}/labeling-functions/${type}`, body);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body.lf_id as string;
    };
    const lfs = [
      await lf('regex', { name: 'has_url', field: 'text', pattern: 'https?://|www\\.', label: 'SPAM' }),
      await lf('regex', { name: 'asks_to_subscribe', field: 'text', pattern: 'subscribe|sub4sub|follow me', case_insensitive: true, label: 'SPAM' }),
      await lf('regex', { name: 'talks_about_the_song', field: 'text', pattern: '\\b(song|beat|memories|classic|dancing)\\b', case_insensitive: true, label: 'HAM' }),
      await lf('template', { name: 'short_comment', field: 'text_length', operator: '<', value: 30, label: 'HAM' }),
      await lf('template', { name: 'well_liked', field: 'likes', operator: '>', value: 20, label: 'HAM' }),
      await lf('template', { name: 'promo_author', field: 'author', operator: 'startswith', value: 'promo_', label: 'SPAM' }),
      await lf('template', { name: 'second_half', field: 'posted_at', operator: '>=', value: '2024-07-01T00:00:00Z', label: 'HAM' }),
      await lf('sql', { name: 'short_with_link', expression: 'has_link AND text_length < 60', label: 'SPAM' }),
    ];
    const custom = await lf('custom', { name: 'names_the_artist', code: CUSTOM_ARTIST, label: 'HAM' });
    if (opts.gold !== false) {
      const duck = await (await DuckDBInstance.create(':memory:')).connect();
      const truth = (await duck.runAndReadAll(`SELECT id, true_label FROM ${demo} WHERE id % 10 = 3`)).getRowsJS();
      await db.insert(goldLabels).values(truth.map(([id, label]) => ({ conceptId: c, sampleKey: String(id), label: label === 'SPAM' ? 1 : 0 })));
    }
    return { c, index, rule, lfs, custom };
  }

  async function waitForJob(c: string, jobId: string, timeoutMs = 90_000) {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const res = await call('GET', `/api/concepts/${c}/snorkel/jobs/${jobId}?limit=1`, undefined, 'viewer');
      if (['SUCCESS', 'FAILURE', 'CANCELED'].includes(res.body.status)) return res.body;
      if (Date.now() > until) throw new Error(`job ${jobId} still ${res.body.status}: ${JSON.stringify(res.body.progress)}`);
      await new Promise((r) => setTimeout(r, 300));
    }
  }

  async function allPredictions(c: string, jobId: string, pageSize: number) {
    const out: any[] = [];
    for (let offset = 0; ; offset += pageSize) {
      const page = (await call('GET', `/api/concepts/${c}/snorkel/jobs/${jobId}?offset=${offset}&limit=${pageSize}`, undefined, 'viewer')).body;
      out.push(...page.predictions.map((p: any, i: number) => (typeof p === 'number' ? { sample_id: page.sample_ids[i], predicted_class: p } : p)));
      if (page.predictions.length < pageSize) return { out, last: page };
    }
  }

  /**
   * The whole-matrix computation the browser worker does: every row at once in one ColumnBatch, the shared LF
   * evaluators, one statistics pass and one fit — no partitions, no units.
   */
  async function wholeMatrixProbabilities(params: TrainParams, store: ObjectStore) {
    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    await duck.run("SET TimeZone = 'UTC'");
    const files = async (keys: { key: string }[]) => `[${(await Promise.all(keys.map((p) => localPathOf(store, p.key)))).map((path) => `'${path}'`).join(', ')}]`;
    const { index, rules } = params.lineage;
    const rule = rules[0] ? `LEFT JOIN read_parquet(${await files(rules[0].parts)}) r USING (id)` : '';
    const rows = (await duck.runAndReadAll(`SELECT i.* EXCLUDE (filename, file_row_number)${rule ? ', r.text_length, r.has_link, r.likes AS "text_features.likes"' : ''}
      FROM read_parquet(${await files(index.parts)}, filename = true, file_row_number = true) i ${rule}
      ORDER BY i.filename, i.file_row_number`)).getRowObjectsJS() as Record<string, CellValue>[];
    const schema = { columns: joinedSchema(index, rules) };
    const batch = columnBatchFromRows(schema, rows.map((r) => ({ ...r, posted_at: r.posted_at === null ? null : new Date(r.posted_at as Date) })));
    const n = rows.length;
    const m = params.lineage.lfs.length;
    const L = new Int8Array(n * m);
    params.lineage.lfs.forEach((lf, j) => {
      const compiled = compileLf(lfDefinitionOf(lf.snapshot), schema, 2);
      const votes = compiled.evaluate
        ? compiled.evaluate(batch)
        : Int8Array.from(rows, (r) => (/psy|katy/i.test((r.text as string | null) ?? '') ? 0 : -1));
      for (let i = 0; i < n; i++) L[i * m + j] = votes[i]!;
    });
    const { snorkel, seed } = params.request;
    const model = fitModel(computeSufficientStats(L, n, m, 2), { kind: 'snorkel', options: { nEpochs: snorkel.epochs, lr: snorkel.lr, seed, l2: snorkel.l2, optimizer: snorkel.optimizer } });
    return { ids: rows.map((r) => Number(r.id)), probs: model.predictProba(L, n), L, n, m };
  }

  it('refuses an unmaterialized asset, an inactive LF and an unapproved custom LF by name, and a bad body with 400', async () => {
    const { c, index, lfs, custom } = await setUp({ parts: 1 });
    const body = { selectedIndex: index.assetId, selectedRules: [], selectedLFs: lfs, snorkel: { epochs: 50, lr: 0.01, output_type: 'softmax' }, model: 'snorkel', seed: 1 };

    await database().db.execute(sql`update concept_indexes set is_materialized = false, current_version_id = null where id = ${index.assetId}`);
    const notMaterialized = await call('POST', `/api/concepts/${c}/snorkel/run`, body);
    expect(notMaterialized.status).toBe(400);
    expect(notMaterialized.body.error.code).toBe('NOT_MATERIALIZED');
    expect(notMaterialized.body.error.message).toContain('"comments"');

    await database().db.execute(sql`update concept_indexes set is_materialized = true, current_version_id = (select id from asset_versions where asset_id = ${index.assetId}) where id = ${index.assetId}`);
    await database().db.update(labelingFunctions).set({ active: false }).where(eq(labelingFunctions.id, lfs[1]!));
    const inactive = await call('POST', `/api/concepts/${c}/snorkel/run`, body);
    expect(inactive.status).toBe(400);
    expect(inactive.body.error.message).toContain('"asks_to_subscribe"');
    expect(inactive.body.error.message).toMatch(/inactive/);

    await database().db.update(labelingFunctions).set({ active: true }).where(eq(labelingFunctions.id, lfs[1]!));
    const unapproved = await call('POST', `/api/concepts/${c}/snorkel/run`, { ...body, selectedLFs: [...lfs, custom] });
    expect(unapproved.status).toBe(400);
    expect(unapproved.body.error.code).toBe('APPROVAL_REQUIRED');
    expect(unapproved.body.error.message).toContain('"names_the_artist"');

    const tooFew = await call('POST', `/api/concepts/${c}/snorkel/run`, { ...body, selectedLFs: lfs.slice(0, 2) });
    expect(tooFew.status).toBe(400);
    expect(tooFew.body.error.message).toMatch(/at least 3 labeling functions/);

    const badBody = await call('POST', `/api/concepts/${c}/snorkel/run`, { ...body, snorkel: { output_type: 'logits' } });
    expect(badBody.status).toBe(400);
    expect(badBody.body.error.code).toBe('VALIDATION_FAILED');

    const asViewer = await call('POST', `/api/concepts/${c}/snorkel/run`, body, 'viewer');
    expect(asViewer.status).toBe(403);
  }, 60_000);

  it('trains over partitions and units to exactly the whole-matrix probabilities, pins lineage, pages and downloads results', async () => {
    const { c, index, rule, lfs, custom } = await setUp();
    expect((await call('POST', `/api/concepts/${c}/labeling-functions/${custom}/approve`, {})).status).toBe(200);
    const ruleLikes = (await call('POST', `/api/concepts/${c}/labeling-functions/template`, { name: 'rule_likes', field: 'text_features.likes', operator: '>', value: 250, label: 'HAM' })).body.lf_id;
    const started = await call('POST', `/api/concepts/${c}/snorkel/run`, {
      selectedIndex: index.assetId, selectedRules: [rule.assetId], selectedLFs: [...lfs, custom, ruleLikes],
      snorkel: { epochs: 200, lr: 0.01, output_type: 'softmax' }, model: 'snorkel', seed: 7,
    });
    expect(started.status).toBe(202);
    expect(started.body.job_id).toBe(started.body.run_id);
    expect(started.body.dagster_run_id).toBe(started.body.run_id);
    const done = await waitForJob(c, started.body.job_id);
    expect(done.status, JSON.stringify(done.error)).toBe('SUCCESS');

    const run = (await call('GET', `/api/runs/${started.body.run_id}`)).body;
    const { params } = trainRunOf(run);
    // 3000 rows in two parts, cut into units of at most 700 rows.
    expect(params.units.length).toBeGreaterThanOrEqual(6);
    expect(params.units.reduce((s, u) => s + u.hi - u.lo, 0)).toBe(ROWS);
    expect(run.lineage.index).toMatchObject({ asset_id: index.assetId, asset_version_id: index.versionId, version: 1 });
    expect(run.lineage.rules[0]).toMatchObject({ asset_id: rule.assetId, asset_version_id: rule.versionId });
    expect(run.lineage.lfs.map((lf: any) => [lf.name, lf.version])).toContainEqual(['names_the_artist', 1]);
    expect(run.lineage.lfs[0].snapshot.config).toMatchObject({ pattern: 'https?://|www\\.' });
    expect(run.lineage.seed).toBe(7);
    // Progress events, as the browser's run follower reads them.
    const progress = (await database().db.select().from(runEvents).where(and(eq(runEvents.runId, run.run_id), eq(runEvents.kind, 'partition_done'))))
      .map((e) => e.data as { phase: string; rows_done: number; partitions_done: number; partitions_total: number });
    const votes = progress.filter((p) => p.phase === 'votes');
    expect(votes.map((p) => p.partitions_done).sort((a, b) => a - b)).toEqual(params.units.map((_, i) => i + 1));
    expect(Math.max(...votes.map((p) => p.rows_done))).toBe(ROWS);
    expect(progress.filter((p) => p.phase === 'predict')).toHaveLength(params.units.length);

    const { out, last } = await allPredictions(c, started.body.job_id, 700);
    expect(out).toHaveLength(ROWS);
    expect(last.summary.total_samples).toBe(ROWS);
    const expected = await wholeMatrixProbabilities(params, store);
    const byId = new Map(out.map((p) => [p.sample_id, p]));
    expect(byId.size).toBe(ROWS);
    let maxDiff = 0;
    expected.ids.forEach((id, i) => {
      const got = byId.get(id)!;
      maxDiff = Math.max(maxDiff, Math.abs(got.probs[0] - expected.probs[2 * i]!), Math.abs(got.probs[1] - expected.probs[2 * i + 1]!));
      expect(got.confidence).toBeCloseTo(Math.max(got.probs[0], got.probs[1]), 12);
    });
    expect(maxDiff).toBeLessThan(1e-12);
    const meanConfidence = out.reduce((s, p) => s + p.confidence, 0) / ROWS;
    expect(last.summary.avg_confidence).toBeCloseTo(meanConfidence, 10);

    // Metrics: Snorkel's LF analysis of the whole matrix, and the dev split from the gold labels.
    const analysis = analyzeLabelMatrix(expected.L, expected.n, expected.m, 2);
    expect(run.metrics.coverage).toBeCloseTo(analysis.coverage, 12);
    expect(run.metrics.conflict).toBeCloseTo(analysis.conflict, 12);
    expect(run.metrics.lfs.map((lf: any) => lf.coverage)).toEqual(analysis.lfs.map((lf) => lf.coverage));
    expect(run.metrics.fit.dev.rows).toBe(300);
    expect(run.metrics.lfs.find((lf: any) => lf.name === 'rule_likes').coverage).toBeGreaterThan(0);
    expect(run.metrics.fit.dev.accuracy).toBeGreaterThan(0.8);
    expect(run.metrics.label_distribution.HAM + run.metrics.label_distribution.SPAM + run.metrics.abstained).toBe(ROWS);
    expect(run.metrics.lfs.find((lf: any) => lf.name === 'has_url').empirical_accuracy).toBeGreaterThan(0.7);

    const download = await app.request(last.results[0].url, { headers: { Authorization: `Bearer ${tokens.viewer}` } });
    expect(download.status).toBe(200);
    const bytes = new Uint8Array(await download.arrayBuffer());
    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe('PAR1');
    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    const columns = (await duck.runAndReadAll(`DESCRIBE SELECT * FROM '${store.pathOf(run.metrics.artifacts.parts[0].key)}'`)).getRowsJS().map((r) => r[0]);
    // The seed's results file: every index column, then the predictions.
    expect(columns).toEqual(['id', 'author', 'text', 'posted_at', 'video', 'likes', 'predicted_label', 'prob_class_0', 'prob_class_1', 'confidence', 'n_votes']);

    const listed = (await call('GET', `/api/concepts/${c}/runs`, undefined, 'viewer')).body;
    expect(listed.map((r: any) => r.run_id)).toEqual([started.body.run_id]);
    expect(listed[0].metrics.rows).toBe(ROWS);
    // The run history asks for every kind: a materialization comes with the training runs, newest first.
    const materialized = { run_id: (await createRun(database().db, { kind: 'materialize', conceptId: c, params: { asset_kind: 'rules', asset_id: rule.assetId } })).id };
    const all = (await call('GET', `/api/concepts/${c}/runs?kind=all`, undefined, 'viewer')).body;
    expect(all.map((r: any) => [r.run_id, r.kind])).toEqual([[materialized.run_id, 'materialize'], [started.body.run_id, 'train']]);
    const materializations = (await call('GET', `/api/concepts/${c}/runs?kind=materialize`, undefined, 'viewer')).body;
    expect(materializations.map((r: any) => r.run_id)).toEqual([materialized.run_id]);
    expect((await call('GET', `/api/concepts/${c}/runs?kind=other`, undefined, 'viewer')).status).toBe(400);
  }, 180_000);

  it('gives hard labels in the seed\'s shape, fits on a seeded sample, and compares two runs (metric diff, flipped samples)', async () => {
    const { c, index, rule, lfs } = await setUp();
    const body = { selectedIndex: index.assetId, selectedRules: [rule.assetId], selectedLFs: lfs, snorkel: { epochs: 100, lr: 0.01, output_type: 'softmax' }, seed: 3 };
    const a = (await call('POST', `/api/concepts/${c}/snorkel/run`, body)).body.job_id;
    const b = (await call('POST', `/api/concepts/${c}/snorkel/run`, { ...body, model: 'mv', snorkel: { output_type: 'hard', sample_size: 1000 }, tie_break: 'abstain', results_columns: 'key' })).body.job_id;
    expect((await waitForJob(c, a)).status).toBe('SUCCESS');
    const hard = await waitForJob(c, b);
    expect(hard.status).toBe('SUCCESS');
    const page = (await call('GET', `/api/concepts/${c}/snorkel/jobs/${b}?offset=10&limit=5`)).body;
    expect(page.output_type).toBe('hard_labels');
    expect(page.predictions).toHaveLength(5);
    expect(page.predictions.every((p: unknown) => Number.isInteger(p))).toBe(true);
    expect(page.sample_ids).toHaveLength(5);
    expect(page.summary.avg_confidence).toBeNull();
    const runB = (await call('GET', `/api/runs/${b}`)).body;
    expect(runB.metrics.fit.fit_rows).toBe(1000);
    expect(runB.metrics.fit.model).toBe('mv');
    // Asked for the key only: the results file holds the key and the label, no index column.
    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    const keyOnly = (await duck.runAndReadAll(`DESCRIBE SELECT * FROM '${store.pathOf(runB.metrics.artifacts.parts[0].key)}'`)).getRowsJS().map((r) => r[0]);
    expect(keyOnly).toEqual(['id', 'predicted_label', 'n_votes']);

    const softA = (await allPredictions(c, a, 1000)).out;
    const hardB = (await allPredictions(c, b, 1000)).out;
    const labelA = new Map(softA.map((p) => [p.sample_id, p.predicted_class]));
    const flipped = hardB.filter((p) => labelA.get(p.sample_id) !== p.predicted_class);
    const compared = (await call('GET', `/api/concepts/${c}/runs/compare?a=${a}&b=${b}&limit=3`, undefined, 'viewer')).body;
    expect(compared.flipped.compared).toBe(ROWS);
    expect(compared.flipped.count).toBe(flipped.length);
    expect(flipped.length).toBeGreaterThan(0);
    expect(compared.flipped.samples).toHaveLength(3);
    expect(compared.flipped.samples[0]).toMatchObject({ sample_id: Math.min(...flipped.map((p) => p.sample_id)) });
    const runA = (await call('GET', `/api/runs/${a}`)).body;
    expect(compared.metrics.abstained).toEqual({ a: runA.metrics.abstained, b: runB.metrics.abstained, diff: runB.metrics.abstained - runA.metrics.abstained });
    expect(compared.metrics.coverage.diff).toBe(0);
  }, 180_000);

  it('stops a custom LF that loops forever and fails the run cleanly, naming it; with on_lf_error "skip" the run succeeds and reports it', async () => {
    const { c, index, rule, lfs } = await setUp();
    const loop = (await call('POST', `/api/concepts/${c}/labeling-functions/custom`, { name: 'spins', code: '(row: Row) => { while (true) {} }', label: 'SPAM' })).body.lf_id;
    await call('POST', `/api/concepts/${c}/labeling-functions/${loop}/approve`, {});
    const body = { selectedIndex: index.assetId, selectedRules: [rule.assetId], selectedLFs: [...lfs, loop], snorkel: { epochs: 20 } };
    const failing = (await call('POST', `/api/concepts/${c}/snorkel/run`, body)).body.job_id;
    const failed = await waitForJob(c, failing);
    expect(failed.status).toBe('FAILURE');
    expect(failed.error).toMatchObject({ code: 'CUSTOM_LF_TIMEOUT', lf: 'spins' });
    expect(failed.error.message).toContain('"spins"');
    expect(failed.predictions).toBeUndefined();
    const leftovers = await store.list(`results/${c}/runs/${failing}/`);
    expect(leftovers.filter((o) => o.key.endsWith('.parquet'))).toEqual([]);

    const skipping = (await call('POST', `/api/concepts/${c}/snorkel/run`, { ...body, on_lf_error: 'skip' })).body.job_id;
    expect((await waitForJob(c, skipping)).status).toBe('SUCCESS');
    const run = (await call('GET', `/api/runs/${skipping}`)).body;
    expect(run.metrics.lf_problems.length).toBe(run.params.units.length);
    expect(run.metrics.lf_problems[0]).toMatchObject({ lf: 'spins', code: 'CUSTOM_LF_TIMEOUT' });
    expect(run.metrics.lfs.find((lf: any) => lf.name === 'spins').coverage).toBe(0);
  }, 180_000);

  it('runs a Python LF (the seed\'s, with allowed_imports) on the workers with the same votes as the same TypeScript LF', async () => {
    const { c, index, rule, lfs, custom } = await setUp({ parts: 1 });
    const python = (await call('POST', `/api/concepts/${c}/labeling-functions/custom`, {
      name: 'names_the_artist_py', allowed_imports: ['re'], label: 'HAM',
      code: 'import re\ndef lf(x):\n    return HAM if re.search(r"psy|katy", x.text or "", re.I) else ABSTAIN\n',
    })).body.lf_id;
    for (const id of [custom, python]) expect((await call('POST', `/api/concepts/${c}/labeling-functions/${id}/approve`, {})).status).toBe(200);
    const body = { selectedIndex: index.assetId, selectedRules: [rule.assetId], selectedLFs: [...lfs, custom, python], snorkel: { epochs: 20, output_type: 'hard_labels' } };
    const job = (await call('POST', `/api/concepts/${c}/snorkel/run`, body)).body.job_id;
    const done = await waitForJob(c, job);
    expect(done.status).toBe('SUCCESS');
    expect(done.output_type).toBe('hard_labels');
    const run = (await call('GET', `/api/runs/${job}`)).body;
    const m = run.lineage.lfs.length;
    const [ts, py] = [m - 2, m - 1];
    expect(run.metrics.lfs[py].coverage).toBeGreaterThan(0);
    for (const unit of await store.list(`results/${c}/runs/${job}/votes/`)) {
      const L = new Int8Array(await store.getBytes(unit.key));
      for (let at = 0; at < L.length; at += m) expect(L[at + py]).toBe(L[at + ts]);
    }
  }, 240_000);

  it('logs a finished run to MLflow through its REST API', async () => {
    const { c, index, lfs } = await setUp({ parts: 1, gold: false });
    trainer.mlflowTrackingUri = mlflow.url;
    const job = (await call('POST', `/api/concepts/${c}/snorkel/run`, { selectedIndex: index.assetId, selectedLFs: lfs.filter((_, j) => j !== 3 && j !== 7), seed: 5 })).body.job_id;
    expect((await waitForJob(c, job)).status).toBe('SUCCESS');
    const until = Date.now() + 10_000;
    while (!mlflow.requests.some((r) => r.path === '/api/2.0/mlflow/runs/update') && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    const paths = mlflow.requests.map((r) => `${r.method} ${r.path.split('?')[0]}`);
    expect(paths).toEqual([
      'GET /api/2.0/mlflow/experiments/get-by-name', 'POST /api/2.0/mlflow/experiments/create', 'POST /api/2.0/mlflow/runs/create',
      ...['results.json', 'lfs.json', 'model/model.onnx'].map((f) => `PUT /api/2.0/mlflow-artifacts/artifacts/17/mlrun1/artifacts/${f}`),
      'POST /api/2.0/mlflow/runs/log-batch', 'POST /api/2.0/mlflow/registered-models/create', 'POST /api/2.0/mlflow/model-versions/create',
      'POST /api/2.0/mlflow/runs/update',
    ]);
    expect(mlflow.requests[0]!.path).toContain(`experiment_name=reef%2F${c}`);
    expect(mlflow.requests[1]!.body).toEqual({ name: `reef/${c}` });
    expect(mlflow.requests[2]!.body).toMatchObject({ experiment_id: '17', run_name: `reef-${job}`, tags: [{ key: 'reef.run_id', value: job }, { key: 'reef.kind', value: 'train' }] });
    // The registered model.onnx is the run's own export, byte for byte.
    const onnx = await app.request(`/api/runs/${job}/model.onnx`, { headers: { Authorization: `Bearer ${tokens.viewer}` } });
    expect(Buffer.from(await onnx.arrayBuffer()).equals(mlflow.requests[5]!.bytes)).toBe(true);
    const batch = mlflow.requests[6]!.body;
    expect(batch.run_id).toBe('mlrun1');
    expect(batch.params).toContainEqual({ key: 'model', value: 'snorkel' });
    expect(batch.params).toContainEqual({ key: 'seed', value: '5' });
    const run = (await call('GET', `/api/runs/${job}`)).body;
    expect(batch.metrics).toContainEqual(expect.objectContaining({ key: 'coverage', value: run.metrics.coverage, step: 0 }));
    expect(batch.metrics.every((m: any) => typeof m.timestamp === 'number' && /^[\w\-./ ]+$/.test(m.key))).toBe(true);
    expect(batch.tags).toContainEqual({ key: 'reef.results_uri', value: `file://${store.pathOf(`results/${c}/runs/${job}`)}` });
    expect(mlflow.requests[8]!.body).toEqual({ name: 'spam', source: 'mlflow-artifacts:/17/mlrun1/artifacts/model', run_id: 'mlrun1' });
    expect(mlflow.requests[9]!.body).toMatchObject({ run_id: 'mlrun1', status: 'FINISHED' });
    // No rules and no gold labels: units read the Parquet slice directly, and still give the whole-matrix numbers.
    const expected = await wholeMatrixProbabilities(run.params, store);
    const byId = new Map((await allPredictions(c, job, 1000)).out.map((p) => [p.sample_id, p.probs]));
    expect(Math.max(...expected.ids.map((id, i) => Math.abs(byId.get(id)[1] - expected.probs[2 * i + 1]!)))).toBeLessThan(1e-12);
    const events = await database().db.select().from(runEvents).where(and(eq(runEvents.runId, job), eq(runEvents.kind, 'mlflow')));
    expect(events.map((e) => e.data)).toEqual([{ experiment_id: '17', mlflow_run_id: 'mlrun1', registered_model: 'spam', model_version: '1' }]);
  }, 120_000);

  it('keeps a training request on a cron schedule; a firing starts a run created by the schedule, or a failed run saying why not', async () => {
    const { c, index, lfs } = await setUp({ parts: 1, gold: false });
    const request = { selectedIndex: index.assetId, selectedLFs: lfs.filter((_, j) => j !== 3 && j !== 7), snorkel: { epochs: 10 } };
    const bad = await call('POST', `/api/concepts/${c}/snorkel/schedules`, { name: 'nightly', cron: 'every day', run: request });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('"every day"');
    const created = await call('POST', `/api/concepts/${c}/snorkel/schedules`, { name: 'nightly', cron: '0 3 * * *', run: request });
    expect(created.status).toBe(201);
    expect(created.body.next_runs).toHaveLength(3);
    expect(created.body.next_runs.every((t: string) => t.endsWith('T03:00:00.000Z'))).toBe(true);
    expect((await call('GET', `/api/concepts/${c}/snorkel/schedules`, undefined, 'viewer')).body.map((s: any) => [s.name, s.cron])).toEqual([['nightly', '0 3 * * *']]);

    // A firing, as pg-boss's clock makes it: the schedule's own data sent to its queue.
    const schedule = await boss.getSchedule('train-schedule', `${c}/nightly`);
    await boss.send('train-schedule', schedule!.data!);
    const until = Date.now() + 60_000;
    let listed: any[] = [];
    while (listed.length === 0 && Date.now() < until) {
      listed = (await call('GET', `/api/concepts/${c}/runs`, undefined, 'viewer')).body;
      await new Promise((r) => setTimeout(r, 300));
    }
    expect((await waitForJob(c, listed[0].run_id)).status).toBe('SUCCESS');
    const [fired] = await database().db.select().from(runs).where(eq(runs.id, listed[0].run_id));
    expect(fired!.createdBy).toBe('schedule:nightly');

    // Re-run on re-materialization: only a schedule that asked for it, and only for an asset its request uses;
    // several new versions within the delay collapse into one queued firing.
    expect(await triggerSchedulesForAsset(boss, index.assetId)).toEqual([]);
    await call('POST', `/api/concepts/${c}/snorkel/schedules`, { name: 'on_new_data', cron: '0 4 * * 0', on_materialize: true, run: request });
    expect((await call('GET', `/api/concepts/${c}/snorkel/schedules`)).body.map((s: any) => [s.name, s.on_materialize]))
      .toEqual([['nightly', false], ['on_new_data', true]]);
    expect(await triggerSchedulesForAsset(boss, '00000000-0000-4000-8000-000000000000')).toEqual([]);
    expect(await triggerSchedulesForAsset(boss, index.assetId)).toEqual(['on_new_data']);
    await triggerSchedulesForAsset(boss, index.assetId);
    const queued = await database().db.execute(sql`select data, start_after > now() + interval '10 seconds' as delayed from pgboss.job where name = 'train-schedule' and state = 'created' and singleton_key like 'materialized:%'`);
    const rows = ((queued as { rows?: unknown[] }).rows ?? (queued as unknown as unknown[])) as { data: { name: string }; delayed: boolean }[];
    expect(rows.map((r) => [r.data.name, r.delayed])).toEqual([['on_new_data', true]]);
    expect((await call('DELETE', `/api/concepts/${c}/snorkel/schedules/on_new_data`)).status).toBe(204);

    await database().db.update(labelingFunctions).set({ active: false }).where(eq(labelingFunctions.id, lfs[0]!));
    await boss.send('train-schedule', schedule!.data!);
    // Until the firing's run is listed and has finished: it may be listed PENDING first (seen in a CI run under load).
    while ((listed.length < 2 || !['SUCCESS', 'FAILURE'].includes(listed[0].status)) && Date.now() < until + 60_000) {
      listed = (await call('GET', `/api/concepts/${c}/runs`, undefined, 'viewer')).body;
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(listed[0]).toMatchObject({ status: 'FAILURE', error: { code: 'LF_INVALID' } });
    expect(listed[0].error.message).toContain('Scheduled run "nightly" could not start');
    expect(listed[0].error.message).toContain('"has_url"');

    expect((await call('DELETE', `/api/concepts/${c}/snorkel/schedules/nightly`)).status).toBe(204);
    expect((await call('GET', `/api/concepts/${c}/snorkel/schedules`)).body).toEqual([]);
    expect((await call('DELETE', `/api/concepts/${c}/snorkel/schedules/nightly`)).status).toBe(404);
  }, 180_000);

  it('summarizes every results row where it lies (counts, histogram, gold confusion, LF table) and pages filtered rows', async () => {
    const { c, index, rule, lfs } = await setUp();
    const started = await call('POST', `/api/concepts/${c}/snorkel/run`, {
      selectedIndex: index.assetId, selectedRules: [rule.assetId], selectedLFs: lfs,
      snorkel: { epochs: 100, lr: 0.01, output_type: 'softmax' }, model: 'snorkel', seed: 3,
    });
    const jobId = started.body.job_id as string;
    expect((await waitForJob(c, jobId)).status).toBe('SUCCESS');
    const run = (await call('GET', `/api/runs/${jobId}`)).body;
    const { out } = await allPredictions(c, jobId, 1000);
    const gold = new Map((await database().db.select().from(goldLabels).where(eq(goldLabels.conceptId, c))).map((g) => [Number(g.sampleKey), g.label]));

    const summary = (await call('GET', `/api/concepts/${c}/snorkel/jobs/${jobId}/summary`, undefined, 'viewer')).body;
    const counted = [0, 0, 0];
    for (const p of out) counted[p.predicted_class < 0 ? 2 : p.predicted_class]!++;
    expect(summary.label_counts).toEqual(counted);
    expect(summary.label_counts).toEqual([run.metrics.label_distribution.HAM, run.metrics.label_distribution.SPAM, run.metrics.abstained]);
    expect(summary.rows).toBe(ROWS);
    expect(summary.uncovered).toBe(run.metrics.uncovered);
    // The histogram covers every labelled row, not a first page.
    expect(summary.histogram.counts.reduce((a: number, b: number) => a + b, 0)).toBe(ROWS - counted[2]!);
    const confusion = [[0, 0, 0], [0, 0, 0]];
    for (const p of out) if (gold.has(p.sample_id)) confusion[gold.get(p.sample_id)!]![p.predicted_class < 0 ? 2 : p.predicted_class]!++;
    expect(summary.gold.confusion).toEqual(confusion);
    expect(summary.gold.rows).toBe(300);
    expect(summary.gold.accuracy).toBeCloseTo((confusion[0]![0]! + confusion[1]![1]!) / 300, 12);
    expect(summary.gold.f1_macro).toBeGreaterThan(0.5);
    expect(summary.lfs.map((lf: any) => lf.name)).toEqual(run.metrics.lfs.map((lf: any) => lf.name));
    expect(summary.lfs.map((lf: any) => lf.empirical_accuracy)).toEqual(run.metrics.lfs.map((lf: any) => lf.empirical_accuracy ?? null));
    for (const lf of summary.lfs) expect(lf.learned_accuracy).toBeGreaterThan(0);

    const page = async (query: string) => (await call('GET', `/api/concepts/${c}/snorkel/jobs/${jobId}/rows?${query}`, undefined, 'viewer')).body;
    const first = await page('offset=10&limit=5');
    expect(first.total).toBe(ROWS);
    expect(first.rows.map((r: any) => r.id)).toEqual(out.slice(10, 15).map((p) => p.sample_id));
    expect(first.columns).toEqual(['id', 'author', 'text', 'posted_at', 'video', 'likes', 'predicted_label', 'prob_class_0', 'prob_class_1', 'confidence', 'n_votes', 'gold_label']);
    const wrong = await page('filter=contradicts_gold&limit=1000');
    expect(wrong.total).toBe(300 - confusion[0]![0]! - confusion[1]![1]!);
    for (const r of wrong.rows) expect(r.predicted_label).not.toBe(r.gold_label);
    const unsure = await page('filter=low_confidence&threshold=0.8&limit=1000');
    expect(unsure.total).toBe(out.filter((p) => p.confidence < 0.8).length);
    for (const r of unsure.rows) expect(r.confidence).toBeLessThan(0.8);
    expect((await call('GET', `/api/concepts/${c}/snorkel/jobs/${jobId}/rows?filter=nope`, undefined, 'viewer')).status).toBe(400);
    // Rows the label model labels otherwise than majority vote over the same stored votes.
    const { params } = trainRunOf(run);
    const m = params.lineage.lfs.length;
    const votes = (await Promise.all(params.units.map((u: any) => store.getBytes(`results/${c}/runs/${jobId}/votes/unit-${String(u.unit).padStart(5, '0')}.i8`))))
      .flatMap((bytes, u) => { const n = params.units[u]!.hi - params.units[u]!.lo; return Array.from({ length: n }, (_, i) => Array.from(new Int8Array(bytes.buffer, bytes.byteOffset + i * m, m))); });
    const majority = votes.map((row) => {
      const counts = [row.filter((v) => v === 0).length, row.filter((v) => v === 1).length];
      return counts[0] === counts[1] ? -1 : counts[0]! > counts[1]! ? 0 : 1;
    });
    const disagree = await page('filter=disagrees_with_majority_vote&limit=1000');
    expect(disagree.total).toBe(out.filter((p, i) => p.predicted_class !== majority[i]).length);
    expect(disagree.total).toBeGreaterThan(0);
    for (const r of disagree.rows) expect(r.predicted_label).not.toBe(r.majority_vote);

    // One CSV of every row, whatever the number of parts, as a reloaded results page downloads it.
    const csv = await call('GET', `/api/concepts/${c}/snorkel/jobs/${jobId}/results.csv`, undefined, 'viewer');
    expect(csv.res.headers.get('content-type')).toContain('text/csv');
    const lines = (csv.body as string).trim().split('\n');
    expect(lines[0]).toBe('id,author,text,posted_at,video,likes,predicted_label,prob_class_0,prob_class_1,confidence,n_votes');
    expect(lines).toHaveLength(ROWS + 1);
    expect(lines.slice(1, 4).map((l) => Number(l.split(',')[0]))).toEqual(out.slice(0, 3).map((p) => p.sample_id));
  }, 180_000);

  it('runs the same way on an S3 object store (s3rver): assets, votes and results in S3, pages read by range', async () => {
    const s3 = await startS3TestServer();
    const s3Store = new S3ObjectStore({ ...s3.options, prefix: 'reef-train/' });
    trainer.store = s3Store;
    app = createApp({ db: database().db, secret: 'test-secret', databaseKind: database().kind, store: s3Store, trainer });
    try {
      const { c, index, rule, lfs } = await setUp({ store: s3Store });
      const job = (await call('POST', `/api/concepts/${c}/snorkel/run`, { selectedIndex: index.assetId, selectedRules: [rule.assetId], selectedLFs: lfs, seed: 2 })).body.job_id;
      expect((await waitForJob(c, job)).status).toBe('SUCCESS');
      expect((await s3Store.list(`results/${c}/runs/${job}/part-`)).length).toBeGreaterThanOrEqual(6);
      const { out } = await allPredictions(c, job, 1200);
      const run = (await call('GET', `/api/runs/${job}`)).body;
      const expected = await wholeMatrixProbabilities(run.params, s3Store);
      const byId = new Map(out.map((p) => [p.sample_id, p.probs]));
      expect(Math.max(...expected.ids.map((id, i) => Math.abs(byId.get(id)[0] - expected.probs[2 * i]!)))).toBeLessThan(1e-12);
    } finally {
      trainer.store = localStore;
      await s3.stop();
    }
  }, 180_000);

  it('marks every row no LF voted on -1 with n_votes 0 in the results Parquet and CSV, under any tie policy, and counts it as abstained (S3 store)', async () => {
    const s3 = await startS3TestServer();
    const s3Store = new S3ObjectStore({ ...s3.options, prefix: 'reef-uncovered/' });
    trainer.store = s3Store;
    app = createApp({ db: database().db, secret: 'test-secret', databaseKind: database().kind, store: s3Store, trainer });
    try {
      const { c, index, rule, lfs } = await setUp({ store: s3Store });
      // Three text regexes: most comments match none of them.
      const body = { selectedIndex: index.assetId, selectedRules: [rule.assetId], selectedLFs: lfs.slice(0, 3), snorkel: { epochs: 100, output_type: 'softmax' }, model: 'snorkel', seed: 4, results_columns: 'key' };
      const a = (await call('POST', `/api/concepts/${c}/snorkel/run`, { ...body, tie_break: 'abstain' })).body.job_id;
      const b = (await call('POST', `/api/concepts/${c}/snorkel/run`, { ...body, model: 'mv', tie_break: 'hash' })).body.job_id;
      const jobs = [await waitForJob(c, a), await waitForJob(c, b)];
      for (const job of jobs) expect(job.status, JSON.stringify(job.error)).toBe('SUCCESS');

      // Votes per sample, computed apart from the run: the whole matrix, every LF evaluated in one batch.
      const runA = (await call('GET', `/api/runs/${a}`)).body;
      const runB = (await call('GET', `/api/runs/${b}`)).body;
      const whole = await wholeMatrixProbabilities(runA.params, s3Store);
      const votesById = new Map(whole.ids.map((id, i) => [id, Array.from(whole.L.subarray(i * whole.m, (i + 1) * whole.m)).filter((v) => v !== -1).length]));
      const uncoveredIds = whole.ids.filter((id) => votesById.get(id) === 0).sort((x, y) => x - y);
      expect(uncoveredIds.length).toBeGreaterThan(ROWS / 4);
      expect(uncoveredIds.length).toBe(Math.round(ROWS * (1 - runA.metrics.coverage)));

      for (const [job, run] of [[a, runA], [b, runB]] as const) {
        const rows: any[] = [];
        const csvLines: string[] = [];
        for (const part of (await call('GET', `/api/concepts/${c}/snorkel/jobs/${job}?limit=1`)).body.results) {
          const download = await app.request(part.url, { headers: { Authorization: `Bearer ${tokens.viewer}` } });
          expect(download.status).toBe(200);
          const bytes = await download.arrayBuffer();
          rows.push(...await parquetReadObjects({ file: bytes }));
          // The CSV the studio writes from a results Parquet: the same columns, n_votes last.
          const csv = (await resultCsvFromParquet(bytes)).trim().split('\n');
          expect(csv[0]).toBe('id,predicted_label,prob_class_0,prob_class_1,confidence,n_votes');
          csvLines.push(...csv.slice(1));
        }
        expect(rows).toHaveLength(ROWS);
        for (const row of rows) expect(row.n_votes, `n_votes of sample ${row.id}`).toBe(votesById.get(Number(row.id)));
        const uncovered = rows.filter((r) => r.n_votes === 0);
        expect(uncovered.map((r) => Number(r.id)).sort((x, y) => x - y)).toEqual(uncoveredIds);
        expect(uncovered.every((r) => r.predicted_label === -1)).toBe(true);
        // They keep the model's answer where it has no evidence: its class prior, the same for every such row.
        expect(new Set(uncovered.map((r) => r.prob_class_1)).size).toBe(1);
        expect(uncovered[0]!.confidence).toBe(Math.max(uncovered[0]!.prob_class_0, uncovered[0]!.prob_class_1));
        // Every covered row of the hash run has a class: ties are broken there, only uncovered rows are -1.
        if (job === b) expect(rows.filter((r) => r.predicted_label === -1)).toHaveLength(uncoveredIds.length);
        const csvUncovered = csvLines.filter((line) => line.endsWith(',0'));
        expect(csvUncovered).toHaveLength(uncoveredIds.length);
        expect(csvUncovered.every((line) => line.split(',')[1] === '-1')).toBe(true);

        // The run's counts: rows per class leave them out, abstained and uncovered count them.
        const abstained = rows.filter((r) => r.predicted_label === -1).length;
        expect(run.metrics).toMatchObject({ uncovered: uncoveredIds.length, abstained });
        expect(run.metrics.label_distribution.HAM).toBe(rows.filter((r) => r.predicted_label === 0).length);
        expect(run.metrics.label_distribution.HAM + run.metrics.label_distribution.SPAM + run.metrics.abstained).toBe(ROWS);
        const page = (await call('GET', `/api/concepts/${c}/snorkel/jobs/${job}?offset=0&limit=${ROWS}`, undefined, 'viewer')).body;
        expect(page.summary).toMatchObject({ abstained, uncovered: uncoveredIds.length });
        const pageUncovered = page.predictions.filter((p: any) => p.n_votes === 0);
        expect(pageUncovered).toHaveLength(uncoveredIds.length);
        expect(pageUncovered.every((p: any) => p.predicted_class === -1)).toBe(true);
      }

      const compared = (await call('GET', `/api/concepts/${c}/runs/compare?a=${a}&b=${b}`, undefined, 'viewer')).body;
      expect(compared.metrics.uncovered).toEqual({ a: uncoveredIds.length, b: uncoveredIds.length, diff: 0 });
      expect(compared.metrics.abstained).toEqual({ a: runA.metrics.abstained, b: runB.metrics.abstained, diff: runB.metrics.abstained - runA.metrics.abstained });
      expect(compared.metrics.abstained.a).toBeGreaterThanOrEqual(uncoveredIds.length);
      // -1 in both runs: an uncovered row never counts as flipped.
      const flippedIds = new Set((await call('GET', `/api/concepts/${c}/runs/compare?a=${a}&b=${b}&limit=${ROWS}`, undefined, 'viewer')).body.flipped.samples.map((f: any) => f.sample_id));
      expect(uncoveredIds.some((id) => flippedIds.has(id))).toBe(false);
    } finally {
      trainer.store = localStore;
      await s3.stop();
    }
  }, 240_000);

  it.skipIf(backend !== 'postgres')('a worker killed with SIGKILL mid-run: its unit is retried and the result is exactly an uninterrupted run\'s', async () => {
    const { c, index, rule, lfs } = await setUp();
    // A custom LF slow enough (about 2 ms a row) that a unit is still running when its worker is killed.
    const slow = (await call('POST', `/api/concepts/${c}/labeling-functions/custom`, {
      name: 'slow', code: '(row: Row) => { const until = Date.now() + 2; while (Date.now() < until) {} return (row.likes ?? 0) > 250 ? 0 : ABSTAIN; }', label: 'HAM',
    })).body.lf_id;
    await call('POST', `/api/concepts/${c}/labeling-functions/${slow}/approve`, {});
    const body = { selectedIndex: index.assetId, selectedRules: [rule.assetId], selectedLFs: [...lfs, slow], snorkel: { epochs: 100 }, seed: 11 };

    // Only the child worker runs at first: this process stops taking training jobs until it is killed.
    await boss.offWork('train-votes');
    await boss.offWork('train-predict');
    const child = spawn(process.execPath, ['--input-type=module', '-e', `
      const { openDatabase } = await import(${JSON.stringify(new URL('../db/client.ts', import.meta.url).href)});
      const { openQueue } = await import(${JSON.stringify(new URL('../runs/queue.ts', import.meta.url).href)});
      const { registerTrainingHandlers } = await import(${JSON.stringify(new URL('../training/train-worker.ts', import.meta.url).href)});
      const { LocalObjectStore } = await import(${JSON.stringify(new URL('../storage/local.ts', import.meta.url).href)});
      const database = await openDatabase({ url: process.env.DB_URL });
      const boss = await openQueue({ database, databaseUrl: process.env.DB_URL });
      await registerTrainingHandlers(boss, { db: database.db, store: new LocalObjectStore(process.env.STORE_ROOT), boss });
      console.log('worker ready');
    `], { env: { ...process.env, DB_URL: databaseUrl, STORE_ROOT: storeRoot }, stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child.stdout!.on('data', (d) => { if (String(d).includes('worker ready')) resolve(); }));

    const killed = (await call('POST', `/api/concepts/${c}/snorkel/run`, body)).body.job_id;
    const until = Date.now() + 60_000;
    for (;;) {
      const running = await database().db.select().from(partitionExecutions)
        .where(and(eq(partitionExecutions.runId, killed), eq(partitionExecutions.status, 'RUNNING')));
      if (running.length) break;
      if (Date.now() > until) throw new Error('the child worker never started a unit');
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    trainer.sandbox = { batchTimeoutMs: 30_000, memoryBytes: 32 * 1024 * 1024, batchRows: 500 };
    await registerTrainingHandlers(boss, trainer);
    const afterKill = await waitForJob(c, killed, 150_000);
    expect(afterKill.status, JSON.stringify(afterKill.error)).toBe("SUCCESS");
    const parts = await database().db.select().from(partitionExecutions).where(eq(partitionExecutions.runId, killed));
    expect(Math.max(...parts.map((p) => p.attempts))).toBeGreaterThanOrEqual(2);

    const clean = (await call('POST', `/api/concepts/${c}/snorkel/run`, body)).body.job_id;
    expect((await waitForJob(c, clean, 150_000)).status).toBe('SUCCESS');
    const [x, y] = [await allPredictions(c, killed, 3000), await allPredictions(c, clean, 3000)];
    expect(x.out).toEqual(y.out);
    const [rx, ry] = [(await call('GET', `/api/runs/${killed}`)).body, (await call('GET', `/api/runs/${clean}`)).body];
    const timeless = (m: any) => ({ ...m, duration_s: 0, artifacts: 0, fit: { ...m.fit, fit_ms: 0 } });
    expect(timeless(rx.metrics)).toEqual(timeless(ry.metrics));
  }, 300_000);
});
