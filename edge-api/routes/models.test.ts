// GET /api/runs/{run_id}/model.onnx on runs made through the real training API: onnxruntime-node, fed the run's
// own vote matrices, gives the probabilities the run wrote to its results Parquet.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { parquetReadObjects } from 'hyparquet';
import * as ort from 'onnxruntime-node';
import type { PgBoss } from 'pg-boss';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { linearClassifierToOnnx } from '../../shared/onnx/index.ts';
import { describeDatabases } from '../db/test-databases.ts';
import type { TrainingContext } from '../training/train.ts';
import { trainRunOf } from '../training/train-run.ts';
import { materializeFixtureAsset } from '../training/train-fixtures.ts';
import { registerTrainingHandlers } from '../training/train-worker.ts';
import { LocalObjectStore } from '../storage/local.ts';
import { createTestApi, type TestApi, openTestQueue } from '../testing.ts';
import { MAX_MODEL_BYTES } from './models.ts';
import { modelObjectKey } from '../models/onnx-models.ts';

const ROWS = 2000;
const FEATURES_SQL = `SELECT i AS id, (i * 37) % 100 AS a, (i * 91) % 100 AS b, (i * 13) % 7 AS c FROM range(${ROWS}) t(i)`;

describeDatabases('label model export', (database) => {
  let storeRoot: string;
  let store: LocalObjectStore;
  let boss: PgBoss;
  let trainer: TrainingContext;

  beforeAll(async () => {
    storeRoot = mkdtempSync(join(tmpdir(), 'reef-onnx-export-'));
    store = new LocalObjectStore(storeRoot);
    ({ boss } = await openTestQueue(database()));
    trainer = { db: database().db, store, boss, unitRows: 700, sandbox: { batchTimeoutMs: 1_000, memoryBytes: 32 * 1024 * 1024, batchRows: 500 } };
    await registerTrainingHandlers(boss, trainer);
  }, 60_000);

  afterAll(async () => {
    await boss?.stop({ graceful: false, close: true });
    rmSync(storeRoot, { recursive: true, force: true });
  });

  /** A 3-class concept over numeric features, with LFs that overlap and conflict. */
  async function setUp(api: TestApi) {
    const created = await api.call('POST', '/api/concepts', { body: { name: 'level', values: ['LOW', 'MID', 'HIGH'] } });
    expect(created.status, created.text).toBe(201);
    const concept = created.body;
    const c = concept.c_id as string;
    const index = await materializeFixtureAsset(database().db, store, { conceptId: c, kind: 'indexes', name: 'features', select: FEATURES_SQL, keyColumn: 'id', parts: 2 });
    const template = async (name: string, field: string, operator: string, value: number, label: string) => {
      const res = await api.call('POST', `/api/concepts/${c}/labeling-functions/template`, { body: { name, field, operator, value, label } });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body.lf_id as string;
    };
    const lfs = [
      await template('a_high', 'a', '>', 70, 'HIGH'),
      await template('a_low', 'a', '<', 25, 'LOW'),
      await template('b_high', 'b', '>', 60, 'HIGH'),
      await template('b_mid', 'b', '<', 40, 'MID'),
      await template('c_low', 'c', '==', 3, 'LOW'),
      await template('c_mid', 'c', '>', 4, 'MID'),
    ];
    return { c, index, lfs };
  }

  async function train(api: TestApi, c: string, index: string, lfs: string[], model: string) {
    const started = await api.call('POST', `/api/concepts/${c}/snorkel/run`, {
      body: { selectedIndex: index, selectedRules: [], selectedLFs: lfs, snorkel: { epochs: 150, lr: 0.01, output_type: 'softmax' }, model, seed: 5 },
    });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    const runId = started.body.run_id as string;
    const until = Date.now() + 90_000;
    for (;;) {
      const run = (await api.call('GET', `/api/runs/${runId}`)).body;
      if (['SUCCESS', 'FAILURE', 'CANCELED'].includes(run.status)) {
        expect(run.status, JSON.stringify(run.error)).toBe('SUCCESS');
        return run;
      }
      if (Date.now() > until) throw new Error(`run ${runId} still ${run.status}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async function download(api: TestApi, runId: string): Promise<Response> {
    return api.app.request(`/api/runs/${runId}/model.onnx`, { headers: { Authorization: `Bearer ${api.tokens.viewer}` } });
  }

  // Dawid–Skene is covered on fitted parameters in shared/onnx/label-model.test.ts: a server DS run cannot finish while its
  // vote-pattern keys hold U+0000 (abstain), which PostgreSQL jsonb refuses.
  it.each(['snorkel', 'mv', 'ds'])('%s: the exported model reproduces the run\'s results Parquet probabilities to 1e-5', async (model) => {
    const api = await createTestApi(database(), { store, trainer });
    const { c, index, lfs } = await setUp(api);
    const run = await train(api, c, index.assetId, lfs, model);

    const res = await download(api, run.run_id);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="reef-${run.run_id}.onnx"`);
    const session = await ort.InferenceSession.create(new Uint8Array(await res.arrayBuffer()));

    const { metrics } = trainRunOf(run);
    const m = lfs.length;
    let rows = 0;
    let maxDiff = 0;
    for (const part of metrics.artifacts.parts) {
      const unit = /part-(\d+)\.parquet$/.exec(part.key)![1]!;
      const votes = new Int8Array(await store.getBytes(`${metrics.artifacts.votes_prefix}/unit-${unit}.i8`));
      const n = votes.length / m;
      const out = await session.run({ votes: new ort.Tensor('int64', BigInt64Array.from(votes, BigInt), [n, m]) });
      const probs = out.probabilities!.data as Float64Array;
      const bytes = await store.getBytes(part.key);
      const results = await parquetReadObjects({ file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer });
      expect(results).toHaveLength(n);
      results.forEach((r, i) => {
        for (let y = 0; y < 3; y++) maxDiff = Math.max(maxDiff, Math.abs(probs[i * 3 + y]! - (r[`prob_class_${y}`] as number)));
      });
      rows += n;
    }
    expect(rows).toBe(ROWS);
    expect(maxDiff).toBeLessThan(1e-5);
  }, 120_000);

  it('answers 409 for a run that has not succeeded, 404 for no run, and carries the run\'s names as metadata', async () => {
    const api = await createTestApi(database(), { store, trainer });
    const { c, index, lfs } = await setUp(api);
    const run = await train(api, c, index.assetId, lfs, 'mv');
    await database().db.execute(sql`update runs set status = 'RUNNING' where id = ${run.run_id}`);
    const running = await download(api, run.run_id);
    expect(running.status).toBe(409);
    expect((await running.json()).error).toMatchObject({ code: 'RUN_NOT_FINISHED' });

    const missing = await download(api, '00000000-0000-4000-8000-000000000000');
    expect(missing.status).toBe(404);

    await database().db.execute(sql`update runs set status = 'SUCCESS' where id = ${run.run_id}`);
    const bytes = new Uint8Array(await (await download(api, run.run_id)).arrayBuffer());
    const text = new TextDecoder('latin1').decode(bytes);
    expect(text).toContain('["LOW","MID","HIGH"]');
    expect(text).toContain('["a_high","a_low","b_high","b_mid","c_low","c_mid"]');
    expect(text).toContain(run.run_id);
  }, 120_000);
});

describeDatabases('model uploads', (database) => {
  let storeRoot: string;
  let store: LocalObjectStore;
  beforeAll(() => {
    storeRoot = mkdtempSync(join(tmpdir(), 'reef-onnx-upload-'));
    store = new LocalObjectStore(storeRoot);
  });
  afterAll(() => rmSync(storeRoot, { recursive: true, force: true }));

  const post = (api: TestApi, c: string, name: string, body: Uint8Array, as: keyof TestApi['tokens'] = 'analyst') =>
    api.app.request(`/api/concepts/${c}/models?name=${name}`, {
      method: 'POST', body: body as Uint8Array<ArrayBuffer>,
      headers: { Authorization: `Bearer ${api.tokens[as]}`, 'Content-Type': 'application/octet-stream' },
    });

  it('stores a model onnxruntime loads, describes its tensors, and lists it', async () => {
    const api = await createTestApi(database(), { store });
    const c = (await api.call('POST', '/api/concepts', { body: { name: 'spam', values: ['HAM', 'SPAM'] } })).body.c_id as string;
    const bytes = linearClassifierToOnnx({ features: 3, classes: 2, weights: [1, -1, 0.5, 0.5, -2, 2], bias: [0, 0.1] });
    const res = await post(api, c, 'scorer.onnx', bytes);
    expect(res.status).toBe(201);
    const info = await res.json();
    expect(info).toMatchObject({
      c_id: c, name: 'scorer.onnx', bytes: bytes.length,
      inputs: [{ name: 'features', type: 'float32', shape: ['N', 3] }],
      outputs: [{ name: 'probabilities', type: 'float32', shape: ['N', 2] }],
    });
    expect(info.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(Array.from(await store.getBytes(modelObjectKey(c, info.model_id)))).toEqual(Array.from(bytes));
    const listed = await api.call('GET', `/api/concepts/${c}/models`, { as: 'viewer' });
    expect(listed.status).toBe(200);
    expect(listed.body.map((m: { model_id: string }) => m.model_id)).toEqual([info.model_id]);
  });

  it('refuses a file that is not ONNX (400 MODEL_NOT_ONNX), a bad name, an empty or too large body, a viewer and an unknown concept', async () => {
    const api = await createTestApi(database(), { store });
    const c = (await api.call('POST', '/api/concepts', { body: { name: 'spam', values: ['HAM', 'SPAM'] } })).body.c_id as string;
    const garbage = await post(api, c, 'scorer.onnx', new TextEncoder().encode('PK\u0003\u0004 this is a zip, not a model'));
    expect(garbage.status).toBe(400);
    const error = (await garbage.json()).error;
    expect(error.code).toBe('MODEL_NOT_ONNX');
    expect(error.message).toContain('scorer.onnx');
    expect(error.details.reason).toBeTruthy();
    expect((await post(api, c, 'scorer.pkl', new Uint8Array(8))).status).toBe(400);
    expect((await (await post(api, c, 'scorer.onnx', new Uint8Array(0))).json()).error.code).toBe('VALIDATION_FAILED');
    // Above the JSON body limit but within the model limit: read whole, then refused for not being ONNX.
    expect((await post(api, c, 'mid.onnx', new Uint8Array(1024 * 1024 + 1))).status).toBe(400);
    const tooLarge = await post(api, c, 'big.onnx', new Uint8Array(MAX_MODEL_BYTES + 1));
    expect(tooLarge.status).toBe(413);
    expect((await post(api, c, 'scorer.onnx', linearClassifierToOnnx({ features: 1, classes: 2, weights: [1, -1], bias: [0, 0] }), 'viewer')).status).toBe(403);
    expect((await post(api, '00000000-0000-4000-8000-000000000000', 'scorer.onnx', new Uint8Array(8))).status).toBe(404);
    expect((await api.call('GET', `/api/concepts/${c}/models`)).body).toEqual([]);
  });
});
