// Model LFs in server training runs, through the real training API and queue: the partition jobs run the uploaded
// model with onnxruntime-node, and a model that cannot run fails that LF with its code (the run, or only that LF
// with on_lf_error "skip") while the other LFs vote as before.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetReadObjects } from 'hyparquet';
import type { PgBoss } from 'pg-boss';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { encodeModel, linearClassifierToOnnx, type LinearClassifier } from '../../shared/onnx/index.ts';
import { describeDatabases } from '../db/test-databases.ts';
import type { TrainingContext } from '../training/train.ts';
import { trainRunOf } from '../training/train-run.ts';
import { materializeFixtureAsset } from '../training/train-fixtures.ts';
import { registerTrainingHandlers } from '../training/train-worker.ts';
import { LocalObjectStore } from '../storage/local.ts';
import { createTestApi, type TestApi, openTestQueue } from '../testing.ts';

const ROWS = 1500;
// d is negative on about half the rows: a model taking its square root returns NaN there.
const FEATURES_SQL = `SELECT i AS id, (i * 37) % 100 AS a, ((i * 91) % 100) / 10.0 AS b, (i * 13) % 100 - 50 AS d FROM range(${ROWS}) t(i)`;
const RULE_SQL = `SELECT i AS id, (i % 5)::DOUBLE AS extra FROM range(${ROWS}) t(i)`;
const features = (id: number) => ({ a: (id * 37) % 100, b: ((id * 91) % 100) / 10 });

// Class 1 rises with a and falls with b.
const scorer: LinearClassifier = { features: 2, classes: 2, weights: [-0.04, 0.04, 0.3, -0.3], bias: [0, -0.5] };
const THRESHOLD = 0.6;

/** Softmax over the features themselves: as many classes as columns fed, which no one can tell before it runs. */
const featureSoftmax = encodeModel({
  graph: {
    name: 'feature_softmax', initializers: [],
    nodes: [{ op: 'Softmax', inputs: ['features'], outputs: ['probabilities'], attributes: { axis: { int: -1 } } }],
    inputs: [{ name: 'features', type: 'float32', shape: ['N', 'F'] }],
    outputs: [{ name: 'probabilities', type: 'float32', shape: ['N', 'F'] }],
  },
});

function expectedVote(id: number): number | undefined {
  const { a, b } = features(id);
  const [w, bias] = [scorer.weights, scorer.bias];
  const s0 = a * w[0]! + b * w[2]! + bias[0]!;
  const s1 = a * w[1]! + b * w[3]! + bias[1]!;
  const p = 1 / (1 + Math.exp(s0 - s1));
  // float32 inside the model: a row within 1e-5 of the threshold may round either way.
  if (Math.abs(p - THRESHOLD) < 1e-5) return undefined;
  return p >= THRESHOLD ? 1 : -1;
}

describeDatabases('model LFs in server training runs', (database) => {
  let storeRoot: string;
  let store: LocalObjectStore;
  let boss: PgBoss;
  let trainer: TrainingContext;

  beforeAll(async () => {
    storeRoot = mkdtempSync(join(tmpdir(), 'reef-train-model-lfs-'));
    store = new LocalObjectStore(storeRoot);
    ({ boss } = await openTestQueue(database()));
    trainer = { db: database().db, store, boss, unitRows: 400 };
    await registerTrainingHandlers(boss, trainer);
  }, 60_000);

  afterAll(async () => {
    await boss?.stop({ graceful: false, close: true });
    rmSync(storeRoot, { recursive: true, force: true });
  });

  async function setUp() {
    const api = await createTestApi(database(), { store, trainer });
    const c = (await api.call('POST', '/api/concepts', { body: { name: 'level', values: ['LOW', 'HIGH'] } })).body.c_id as string;
    const index = await materializeFixtureAsset(database().db, store, { conceptId: c, kind: 'indexes', name: 'features', select: FEATURES_SQL, keyColumn: 'id', parts: 2 });
    const rule = await materializeFixtureAsset(database().db, store, { conceptId: c, kind: 'rules', name: 'more', select: RULE_SQL, keyColumn: 'id' });
    const lf = async (type: string, body: Record<string, unknown>) => {
      const res = await api.call('POST', `/api/concepts/${c}/labeling-functions/${type}`, { body });
      expect(res.status, res.text).toBe(201);
      return res.body.lf_id as string;
    };
    const upload = async (spec: LinearClassifier | Uint8Array) => {
      const res = await api.app.request(`/api/concepts/${c}/models?name=model.onnx`, {
        method: 'POST', body: (spec instanceof Uint8Array ? spec : linearClassifierToOnnx(spec)) as Uint8Array<ArrayBuffer>, headers: { Authorization: `Bearer ${api.tokens.analyst}`, 'Content-Type': 'application/octet-stream' },
      });
      expect(res.status).toBe(201);
      return (await res.json()).model_id as string;
    };
    const templates = [
      await lf('template', { name: 'a_low', field: 'a', operator: '<', value: 20, label: 'LOW' }),
      await lf('template', { name: 'b_high', field: 'b', operator: '<', value: 3, label: 'HIGH' }),
    ];
    return { api, c, index: index.assetId, rule: rule.assetId, templates, lf, upload };
  }

  async function train(api: TestApi, c: string, body: Record<string, unknown>) {
    const started = await api.call('POST', `/api/concepts/${c}/snorkel/run`, { body: { model: 'mv', seed: 3, ...body } });
    expect(started.status, started.text).toBe(202);
    const runId = started.body.run_id as string;
    const until = Date.now() + 90_000;
    for (;;) {
      const run = (await api.call('GET', `/api/runs/${runId}`)).body;
      if (['SUCCESS', 'FAILURE', 'CANCELED'].includes(run.status)) return run;
      if (Date.now() > until) throw new Error(`run ${runId} still ${run.status}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  it('votes with the uploaded model in every partition job: the stored vote matrix holds the model\'s votes row by row', async () => {
    const { api, c, index, templates, lf, upload } = await setUp();
    const model = await lf('model', { name: 'scorer', model_id: await upload(scorer), columns: ['a', 'b'], output_class: 1, threshold: THRESHOLD, label: 'HIGH' });
    const lfs = [...templates, model];
    const run = await train(api, c, { selectedIndex: index, selectedLFs: lfs });
    expect(run.status, JSON.stringify(run.error)).toBe('SUCCESS');
    const { metrics } = trainRunOf(run);
    expect(metrics.artifacts.parts.length).toBeGreaterThan(2);
    let checked = 0;
    let voted = 0;
    for (const part of metrics.artifacts.parts) {
      const unit = /part-(\d+)\.parquet$/.exec(part.key)![1]!;
      const votes = new Int8Array(await store.getBytes(`${metrics.artifacts.votes_prefix}/unit-${unit}.i8`));
      const bytes = await store.getBytes(part.key);
      const rows = await parquetReadObjects({ file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer, columns: ['id'] });
      rows.forEach((r, i) => {
        const expected = expectedVote(Number(r.id));
        const vote = votes[i * lfs.length + 2]!;
        if (vote === 1) voted++;
        if (expected === undefined) return;
        expect(vote, `id ${r.id}`).toBe(expected);
        checked++;
      });
    }
    expect(checked).toBeGreaterThan(ROWS - 10);
    expect(voted).toBeGreaterThan(100);
    expect(voted).toBeLessThan(ROWS - 100);
    const stats = (run.metrics.lfs as { name: string; coverage: number }[]).find((s) => s.name === 'scorer')!;
    expect(stats.coverage).toBeCloseTo(voted / ROWS, 10);
  }, 120_000);

  it.each([
    ['NaN outputs', { ...scorer, preprocess: 'Sqrt' }, ['a', 'd'], 1, 'MODEL_NAN_OUTPUT'],
    ['an output with fewer classes than output_class', featureSoftmax, ['a', 'b'], 2, 'MODEL_OUTPUT_SHAPE'],
    ['an input narrower than the mapped columns', { ...scorer, features: 3, weights: [...scorer.weights as number[], 0, 0], inputShape: ['N', 'F'] }, ['a', 'b'], 1, 'MODEL_RUN_FAILED'],
  ] as const)('a model with %s fails that LF with $4: the run fails naming it, or with on_lf_error "skip" the others still vote', async (_what, spec, columns, outputClass, code) => {
    const { api, c, index, templates, lf, upload } = await setUp();
    const bad = await lf('model', { name: 'bad_model', model_id: await upload(spec as LinearClassifier | Uint8Array), columns, output_class: outputClass, threshold: 0.5, label: 'HIGH' });
    const body = { selectedIndex: index, selectedLFs: [...templates, bad] };

    const failed = await train(api, c, body);
    expect(failed.status).toBe('FAILURE');
    expect(failed.error).toMatchObject({ code, lf: 'bad_model' });
    expect(failed.error.message).toContain('Model LF "bad_model"');
    expect((await store.list(`results/${c}/runs/${failed.run_id}/`)).filter((o) => o.key.endsWith('.parquet'))).toEqual([]);

    const skipped = await train(api, c, { ...body, on_lf_error: 'skip' });
    expect(skipped.status, JSON.stringify(skipped.error)).toBe('SUCCESS');
    expect(skipped.metrics.lf_problems.length).toBe(skipped.params.units.length);
    expect(skipped.metrics.lf_problems[0]).toMatchObject({ lf: 'bad_model', code });
    const coverage = Object.fromEntries((skipped.metrics.lfs as { name: string; coverage: number }[]).map((s) => [s.name, s.coverage]));
    expect(coverage.bad_model).toBe(0);
    // The templates' votes do not depend on the broken model: a run without it covers the same rows with them.
    const without = await train(api, c, { selectedIndex: index, selectedLFs: templates });
    const before = Object.fromEntries((without.metrics.lfs as { name: string; coverage: number }[]).map((s) => [s.name, s.coverage]));
    expect(coverage.a_low).toBe(before.a_low);
    expect(coverage.b_high).toBe(before.b_high);
    expect(coverage.a_low).toBeGreaterThan(0.1);
  }, 180_000);

  it('refuses to start a run whose assets lack a model LF\'s column (400 LF_INVALID naming the LF)', async () => {
    const { api, c, index, rule, templates, lf, upload } = await setUp();
    const model = await lf('model', { name: 'uses_rule', model_id: await upload(scorer), columns: ['a', 'extra'], output_class: 1, threshold: 0.5, label: 'HIGH' });
    const refused = await api.call('POST', `/api/concepts/${c}/snorkel/run`, { body: { selectedIndex: index, selectedLFs: [...templates, model], model: 'mv' } });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'LF_INVALID', details: { lf_id: model, code: 'UNKNOWN_FIELD' } });
    expect(refused.body.error.message).toContain('"extra"');
    const withRule = await train(api, c, { selectedIndex: index, selectedRules: [rule], selectedLFs: [...templates, model] });
    expect(withRule.status, JSON.stringify(withRule.error)).toBe('SUCCESS');
  }, 120_000);
});
