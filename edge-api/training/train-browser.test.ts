import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { parquetReadObjects } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { PgBoss } from 'pg-boss';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { predictLogLinear } from '../../shared/labelmodel/index.ts';
import type { Role } from '../../shared/schema/common.ts';
import { createApp } from '../app.ts';
import { apiTokens, assetVersions, conceptIndexes, runEvents } from '../db/schema.ts';
import { describeDatabases } from '../db/test-databases.ts';
import { openTestQueue } from '../testing.ts';
import { demoCommentsSql } from '../demo/comments.ts';
import { hashToken } from '../security/secrets.ts';
import { LocalObjectStore } from '../storage/local.ts';
import { BROWSER_TRAINING_KEY } from '../../shared/schema/training.ts';
import type { BrowserTraining } from './train-browser.ts';
import { materializeFixtureAsset } from './train-fixtures.ts';

const ROWS = 300;
const INDEX_SQL = `SELECT id, author, text, likes FROM (${demoCommentsSql(ROWS)})`;


/** Votes per sample in these results: every tenth sample had none (it is labeled -1). */
const votesOf = (id: number) => (id % 10 === 0 ? 0 : 1 + (id % 3));
const labelOf = (id: number, p1: number) => (votesOf(id) === 0 ? -1 : p1 > 0.5 ? 1 : p1 < 0.5 ? 0 : -1);

/** A results Parquet as the studio writes it: the seed's columns and n_votes, the training in its key-value metadata. */
function resultsParquet(ids: number[], probs1: number[], training: unknown, edit: { labels?: number[]; votes?: number[]; withoutVotes?: boolean } = {}): Uint8Array {
  const p1 = Float64Array.from(probs1);
  const p0 = p1.map((p) => 1 - p);
  return new Uint8Array(parquetWriteBuffer({
    columnData: [
      { name: 'id', data: ids.map(BigInt), type: 'INT64', nullable: false },
      { name: 'predicted_label', data: edit.labels ?? ids.map((id, i) => labelOf(id, probs1[i]!)), type: 'INT32', nullable: false },
      { name: 'prob_class_0', data: p0, type: 'DOUBLE', nullable: false },
      { name: 'prob_class_1', data: p1, type: 'DOUBLE', nullable: false },
      { name: 'confidence', data: p1.map((p) => Math.max(p, 1 - p)), type: 'DOUBLE', nullable: false },
      ...(edit.withoutVotes ? [] : [{ name: 'n_votes', data: edit.votes ?? ids.map(votesOf), type: 'INT32' as const, nullable: false }]),
    ],
    kvMetadata: [{ key: BROWSER_TRAINING_KEY, value: JSON.stringify(training) }],
  }));
}

describeDatabases('browser trainings kept as runs', (database) => {
  let storeRoot: string;
  let store: LocalObjectStore;
  let boss: PgBoss;
  let app: ReturnType<typeof createApp>;
  let tokens: Record<Role, string>;

  beforeAll(async () => {
    storeRoot = mkdtempSync(join(tmpdir(), 'reef-browser-runs-'));
    store = new LocalObjectStore(storeRoot);
    ({ boss } = await openTestQueue(database()));
  }, 60_000);
  afterAll(async () => {
    await boss?.stop({ graceful: false, close: true });
    rmSync(storeRoot, { recursive: true, force: true });
  });
  beforeEach(async () => {
    app = createApp({ db: database().db, secret: 'test-secret', databaseKind: database().kind, store, trainer: { db: database().db, store, boss } });
    tokens = { viewer: 'br_viewer', analyst: 'br_analyst', approver: 'br_approver', admin: 'br_admin' };
    for (const [role, token] of Object.entries(tokens)) await database().db.insert(apiTokens).values({ name: role, role, tokenHash: await hashToken(token) });
  });

  async function call(method: string, path: string, body?: unknown, as: Role = 'analyst') {
    const raw = body instanceof Uint8Array;
    const res = await app.request(path, {
      method,
      headers: { Authorization: `Bearer ${tokens[as]}`, ...(body === undefined ? {} : { 'Content-Type': raw ? 'application/vnd.apache.parquet' : 'application/json' }) },
      body: body === undefined ? undefined : raw ? body as Uint8Array<ArrayBuffer> : JSON.stringify(body),
    });
    const type = res.headers.get('content-type') ?? '';
    return { status: res.status, body: type.includes('json') ? await res.json() : new Uint8Array(await res.arrayBuffer()) } as { status: number; body: any };
  }

  async function setUp() {
    const c = (await call('POST', '/api/concepts', { name: 'spam', values: ['HAM', 'SPAM'] }, 'admin')).body.c_id as string;
    const index = await materializeFixtureAsset(database().db, store, { conceptId: c, kind: 'indexes', name: 'comments', select: INDEX_SQL, keyColumn: 'id' });
    const lfs: { lf_id: string; version: number }[] = [];
    for (const [type, body] of [
      ['regex', { name: 'has_url', field: 'text', pattern: 'https?://', label: 'SPAM' }],
      ['regex', { name: 'about_the_song', field: 'text', pattern: 'song', case_insensitive: true, label: 'HAM' }],
      ['template', { name: 'well_liked', field: 'likes', operator: '>', value: 20, label: 'HAM' }],
    ] as const) lfs.push((await call('POST', `/api/concepts/${c}/labeling-functions/${type}`, body)).body);
    const ids = Array.from({ length: ROWS }, (_, i) => i + 1);
    const probs1 = ids.map((id) => (id % 7) / 7);
    const training: BrowserTraining = {
      request: {
        selectedIndex: index.assetId, selectedRules: [], selectedLFs: lfs.map((l) => l.lf_id),
        snorkel: { epochs: 50, lr: 0.01, output_type: 'softmax', l2: 0, optimizer: 'sgd' }, model: 'snorkel', seed: 7, tie_break: 'abstain', results_columns: 'key', on_lf_error: 'fail',
      },
      asset_version_ids: [index.versionId],
      lf_versions: Object.fromEntries(lfs.map((l) => [l.lf_id, l.version])),
      analysis: {
        coverage: 0.5, overlap: 0.1, conflict: 0.05,
        lfs: lfs.map(() => ({ coverage: 0.2, overlaps: 0.1, conflicts: 0.05, polarity: [1], empirical_accuracy: 0.9 })),
      },
      fit: { model: 'snorkel', params: { epochs: 50 }, fit_ms: 12.5, weights: [0.9, 0.8, 0.7] },
    };
    return { c, index, lfs, ids, probs1, training };
  }

  it('keeps an uploaded browser result as a SUCCESS run that pages, downloads and lists like a server run', async () => {
    const { c, index, lfs, ids, probs1, training } = await setUp();
    const bytes = resultsParquet(ids, probs1, training);
    const saved = await call('POST', `/api/concepts/${c}/snorkel/browser-runs`, bytes);
    expect(saved.status, JSON.stringify(saved.body)).toBe(201);
    expect(saved.body.status).toBe('SUCCESS');
    const jobId = saved.body.job_id as string;

    const page = (await call('GET', `/api/concepts/${c}/snorkel/jobs/${jobId}?offset=100&limit=50`, undefined, 'viewer')).body;
    expect(page.source).toBe('browser');
    // Its request, as pinned: what Run on server sends to train the same pipeline there.
    expect(page.request).toEqual(training.request);
    expect(page.weights).toEqual([0.9, 0.8, 0.7]);
    expect(page.predictions).toHaveLength(50);
    expect(page.predictions[0]).toEqual({ sample_id: 101, probs: [1 - probs1[100]!, probs1[100]!], predicted_class: probs1[100]! > 0.5 ? 1 : 0, confidence: Math.max(probs1[100]!, 1 - probs1[100]!), n_votes: votesOf(101) });
    // A sample no LF voted on is -1 with n_votes 0, whatever its probabilities say.
    expect(page.predictions[9]).toMatchObject({ sample_id: 110, predicted_class: -1, n_votes: 0 });
    // SPAM where p > 0.5 (no ties: id % 7 / 7 is never 0.5): ids with id % 7 in 4..6, less the uncovered ones.
    const covered = ids.filter((id) => votesOf(id) > 0);
    const spam = covered.filter((id) => id % 7 >= 4).length;
    const uncovered = ROWS - covered.length;
    expect(uncovered).toBe(30);
    expect(page.summary).toMatchObject({ total_samples: ROWS, label_distribution: { HAM: covered.length - spam, SPAM: spam }, abstained: uncovered, uncovered });
    expect(page.summary.avg_confidence).toBeCloseTo(ids.reduce((s, id) => s + Math.max((id % 7) / 7, 1 - (id % 7) / 7), 0) / ROWS, 12);

    const download = await call('GET', page.results[0].url, undefined, 'viewer');
    expect(download.status).toBe(200);
    expect(Buffer.from(download.body).equals(Buffer.from(bytes))).toBe(true);
    const rows = await parquetReadObjects({ file: download.body.buffer });
    expect(rows).toHaveLength(ROWS);

    const [listed] = (await call('GET', `/api/concepts/${c}/runs`, undefined, 'viewer')).body;
    expect(listed.run_id).toBe(jobId);
    expect(listed.params.source).toBe('browser');
    expect(listed.lineage.index.asset_version_id).toBe(index.versionId);
    expect(listed.lineage.lfs.map((l: any) => [l.lf_id, l.version])).toEqual(lfs.map((l) => [l.lf_id, l.version]));
    expect(listed.metrics.lfs.map((l: any) => l.name)).toEqual(['has_url', 'about_the_song', 'well_liked']);
    expect(listed.metrics.fit).toMatchObject({ model: 'snorkel', fit_rows: ROWS });
    expect(listed.metrics).toMatchObject({ abstained: uncovered, uncovered });
  }, 60_000);

  it('logs a kept browser run to MLflow with its artifacts and registers its label model under the concept name', async () => {
    // A local server speaking MLflow's REST API: tracking, the mlflow-artifacts proxy and the model registry.
    const requests: { method: string; path: string; body: any; bytes: Buffer }[] = [];
    const registered = new Set<string>();
    let versions = 0;
    const mlflow = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const path = new URL(req.url!, 'http://x').pathname;
        const bytes = Buffer.concat(chunks);
        const json = req.headers['content-type'] === 'application/json' && bytes.length ? JSON.parse(bytes.toString()) : null;
        requests.push({ method: req.method!, path, body: json, bytes });
        const reply = (status: number, body: object) => { res.writeHead(status, { 'Content-Type': 'application/json' }); res.end(JSON.stringify(body)); };
        if (path.endsWith('/experiments/get-by-name')) return reply(404, { error_code: 'RESOURCE_DOES_NOT_EXIST' });
        if (path.endsWith('/experiments/create')) return reply(200, { experiment_id: '3' });
        if (path.endsWith('/runs/create')) return reply(200, { run: { info: { run_id: 'ml1', artifact_uri: 'mlflow-artifacts:/3/ml1/artifacts' } } });
        if (path.endsWith('/registered-models/create')) {
          if (registered.has(json.name)) return reply(400, { error_code: 'RESOURCE_ALREADY_EXISTS' });
          registered.add(json.name);
          return reply(200, { registered_model: { name: json.name } });
        }
        if (path.endsWith('/model-versions/create')) return reply(200, { model_version: { name: json.name, version: String(++versions) } });
        reply(200, {});
      });
    });
    await new Promise<void>((r) => mlflow.listen(0, '127.0.0.1', () => r()));
    try {
      const uri = `http://127.0.0.1:${(mlflow.address() as { port: number }).port}`;
      app = createApp({ db: database().db, secret: 'test-secret', databaseKind: database().kind, store, trainer: { db: database().db, store, boss, mlflowTrackingUri: uri } });
      const { c, ids, probs1, training } = await setUp();
      const table = [0.8, 0.3, 0.2, 0.7, 0.35, 0.75, 0.65, 0.25, 0.9, 0.4, 0.1, 0.6];
      const fitted = { kind: 'loglinear' as const, m: 3, k: 2, logTable: table.map(Math.log), logPrior: [Math.log(0.6), Math.log(0.4)] };
      const saved = await call('POST', `/api/concepts/${c}/snorkel/browser-runs`, resultsParquet(ids, probs1, { ...training, fit: { ...training.fit, fitted } }));
      expect(saved.status).toBe(201);
      const artifactRoot = '/api/2.0/mlflow-artifacts/artifacts/3/ml1/artifacts';
      expect(requests.map((r) => `${r.method} ${r.path.replace('/api/2.0/mlflow/', '')}`)).toEqual([
        'GET experiments/get-by-name', 'POST experiments/create', 'POST runs/create',
        `PUT ${artifactRoot}/results.json`, `PUT ${artifactRoot}/lfs.json`, `PUT ${artifactRoot}/model/model.onnx`,
        'POST runs/log-batch', 'POST registered-models/create', 'POST model-versions/create', 'POST runs/update',
      ]);
      expect(requests[2]!.body.tags).toContainEqual({ key: 'reef.run_id', value: saved.body.run_id });
      expect(JSON.parse(requests[3]!.bytes.toString()).results_uri).toContain(`runs/${saved.body.run_id}`);
      expect(JSON.parse(requests[4]!.bytes.toString()).map((lf: { name: string }) => lf.name)).toEqual(['has_url', 'about_the_song', 'well_liked']);
      // The registered model.onnx is the run's own export, byte for byte.
      const onnx = await call('GET', `/api/runs/${saved.body.run_id}/model.onnx`, undefined, 'viewer');
      expect(Buffer.from(onnx.body as Uint8Array).equals(requests[5]!.bytes)).toBe(true);
      const batch = requests[6]!.body;
      expect(batch.params).toContainEqual({ key: 'model', value: 'snorkel' });
      expect(batch.params).toContainEqual({ key: 'seed', value: '7' });
      expect(batch.tags.find((t: any) => t.key === 'reef.results_uri').value).toContain(`runs/${saved.body.run_id}`);
      expect(requests[7]!.body).toEqual({ name: 'spam' });
      expect(requests[8]!.body).toEqual({ name: 'spam', source: 'mlflow-artifacts:/3/ml1/artifacts/model', run_id: 'ml1' });
      expect(requests[9]!.body).toMatchObject({ run_id: 'ml1', status: 'FINISHED' });

      // A second run of the concept is version 2 of the same registered model.
      requests.length = 0;
      const again = await call('POST', `/api/concepts/${c}/snorkel/browser-runs`, resultsParquet(ids, probs1, { ...training, fit: { ...training.fit, fitted } }));
      expect(again.status).toBe(201);
      const events = await database().db.select().from(runEvents).where(eq(runEvents.runId, again.body.run_id));
      expect(events.find((e) => e.kind === 'mlflow')?.data).toMatchObject({ registered_model: 'spam', model_version: '2', mlflow_run_id: 'ml1' });
    } finally {
      mlflow.close();
    }
  }, 60_000);

  it('keeps the browser\'s fitted numbers, so the run\'s label model exports as ONNX; refuses numbers of the wrong shape', async () => {
    const { c, ids, probs1, training } = await setUp();
    // A log-linear model for 3 LFs and 2 classes: log P(λ_j = l | Y = y) per (j, l, y), and the log prior.
    const table = [0.8, 0.3, 0.2, 0.7, 0.35, 0.75, 0.65, 0.25, 0.9, 0.4, 0.1, 0.6];
    const fitted = { kind: 'loglinear' as const, m: 3, k: 2, logTable: table.map(Math.log), logPrior: [Math.log(0.6), Math.log(0.4)] };
    const post = (t: BrowserTraining) => call('POST', `/api/concepts/${c}/snorkel/browser-runs`, resultsParquet(ids, probs1, t));

    const misShaped = await post({ ...training, fit: { ...training.fit, fitted: { ...fitted, logPrior: [0] } } });
    expect(misShaped.status).toBe(400);
    expect(misShaped.body.error.message).toMatch(/a log prior of 2/);

    const saved = await post({ ...training, fit: { ...training.fit, fitted } });
    expect(saved.status, JSON.stringify(saved.body)).toBe(201);
    const exported = await call('GET', `/api/runs/${saved.body.run_id}/model.onnx`, undefined, 'viewer');
    expect(exported.status).toBe(200);
    const session = await ort.InferenceSession.create(exported.body as Uint8Array);
    const votes = [-1, -1, -1, 0, 1, -1, 1, 1, 0, 1, 0, 1];
    const out = await session.run({ votes: new ort.Tensor('int64', BigInt64Array.from(votes, BigInt), [4, 3]) });
    const expected = predictLogLinear({ ...fitted, logTable: Float64Array.from(fitted.logTable), logPrior: Float64Array.from(fitted.logPrior) }, Int8Array.from(votes), 4);
    Array.from(out.probabilities!.data as Float64Array).forEach((p, i) => { expect(p).toBeCloseTo(expected[i]!, 12); });

    // A result kept without its numbers (an older studio) has nothing to export, and says so.
    const bare = await post(training);
    const none = await call('GET', `/api/runs/${bare.body.run_id}/model.onnx`, undefined, 'viewer');
    expect(none.status).toBe(409);
    expect(none.body.error.code).toBe('RUN_HAS_NO_MODEL');
  }, 60_000);

  it('keeps how auto chose (every candidate, the chosen one marked) in the run\'s fit report; refuses a score outside 0..1', async () => {
    const { c, ids, probs1, training } = await setUp();
    const candidates = [
      { model: 'mv' as const, params: {}, score: 0.9, win_rate: 0.4 },
      { model: 'snorkel' as const, params: { nEpochs: 500, l2: 0, classBalance: [0.6, 0.4] }, score: 0.92, win_rate: 0.5, reference: true, chosen: true },
    ];
    const auto = { ...training, request: { ...training.request, model: 'auto' as const }, fit: { ...training.fit, candidates } };
    const post = (t: BrowserTraining) => call('POST', `/api/concepts/${c}/snorkel/browser-runs`, resultsParquet(ids, probs1, t));

    const outOfRange = await post({ ...auto, fit: { ...auto.fit, candidates: [{ ...candidates[0]!, score: 90 }] } });
    expect(outOfRange.status).toBe(400);
    expect(outOfRange.body.error.code).toBe('VALIDATION_FAILED');

    const saved = await post(auto);
    expect(saved.status, JSON.stringify(saved.body)).toBe(201);
    const run = (await call('GET', `/api/runs/${saved.body.run_id}`, undefined, 'viewer')).body;
    expect(run.metrics.fit).toMatchObject({ criterion: 'dev', candidates });
  }, 60_000);

  it('refuses what is not a result of the current pipeline with a coded error, and a viewer', async () => {
    const { c, index, lfs, ids, probs1, training } = await setUp();
    const post = (body: Uint8Array, as: Role = 'analyst') => call('POST', `/api/concepts/${c}/snorkel/browser-runs`, body, as);

    const notParquet = await post(new TextEncoder().encode('id,predicted_label\n1,0\n'));
    expect(notParquet.status).toBe(400);
    expect(notParquet.body.error).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringMatching(/not a Parquet file/) });

    const noMetadata = await post(new Uint8Array(parquetWriteBuffer({ columnData: [{ name: 'id', data: [1n], type: 'INT64' }] })));
    expect(noMetadata.status).toBe(400);
    expect(noMetadata.body.error.message).toContain(BROWSER_TRAINING_KEY);

    const shortResult = await post(resultsParquet(ids.slice(1), probs1.slice(1), training));
    expect(shortResult.status).toBe(400);
    expect(shortResult.body.error.message).toMatch(/299 rows; the index comments v1 has 300/);

    const badLabel = await post(resultsParquet(ids, probs1.map((p, i) => (i === 5 ? 1.5 : p)), training));
    expect(badLabel.status).toBe(400);
    expect(badLabel.body.error.message).toMatch(/confidence 1\.5 is not within \[0, 1\]/);

    // Results without n_votes, or that give a class to a row no LF voted on (what studios before issue 11 wrote).
    const noVotesColumn = await post(resultsParquet(ids, probs1, training, { withoutVotes: true }));
    expect(noVotesColumn.status).toBe(400);
    expect(noVotesColumn.body.error.message).toMatch(/lacks the column\(s\) n_votes/);
    const priorLabel = await post(resultsParquet(ids, probs1, training, { labels: ids.map((id, i) => (votesOf(id) === 0 ? 0 : labelOf(id, probs1[i]!))) }));
    expect(priorLabel.status).toBe(400);
    expect(priorLabel.body.error.message).toMatch(/row 9 has no votes but predicted_label 0; a row no LF voted on is -1/);
    const outOfRange = await post(resultsParquet(ids, probs1, training, { labels: ids.map((id, i) => (i === 3 ? 2 : labelOf(id, probs1[i]!))) }));
    expect(outOfRange.status).toBe(400);
    expect(outOfRange.body.error.message).toMatch(/predicted_label 2 is not -1\.\.1/);
    const tooManyVotes = await post(resultsParquet(ids, probs1, training, { votes: ids.map((id) => (id === 7 ? 4 : votesOf(id))) }));
    expect(tooManyVotes.status).toBe(400);
    expect(tooManyVotes.body.error.message).toMatch(/n_votes 4 is not 0\.\.3 \(the run has 3 LFs\)/);

    const edited = await call('PATCH', `/api/concepts/${c}/labeling-functions/${lfs[0]!.lf_id}`, { pattern: 'https?://|www\\.' });
    expect(edited.status).toBe(200);
    const staleLf = await post(resultsParquet(ids, probs1, training));
    expect(staleLf.status).toBe(409);
    expect(staleLf.body.error).toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/has_url \(now v2, trained on 1\)/) });

    const [version] = await database().db.select().from(assetVersions).where(eq(assetVersions.id, index.versionId));
    const [v2] = await database().db.insert(assetVersions).values({ ...version!, id: undefined, version: 2 }).returning();
    await database().db.update(conceptIndexes).set({ currentVersionId: v2!.id }).where(eq(conceptIndexes.id, index.assetId));
    const upToDateLfs = { ...training, lf_versions: { ...training.lf_versions, [lfs[0]!.lf_id]: 2 } };
    const staleAsset = await post(resultsParquet(ids, probs1, upToDateLfs));
    expect(staleAsset.status).toBe(409);
    expect(staleAsset.body.error.message).toMatch(/comments \(now v2\)/);

    expect((await post(resultsParquet(ids, probs1, training), 'viewer')).status).toBe(403);
    expect((await call('GET', `/api/concepts/${c}/runs`, undefined, 'viewer')).body).toEqual([]);
  }, 60_000);
});
