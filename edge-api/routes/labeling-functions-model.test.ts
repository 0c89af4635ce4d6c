// Model LFs through the API: saved only when the model is the concept's upload, the columns are numeric columns of
// its materialized assets, and output_class and label fit the model and the concept.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { linearClassifierToOnnx } from '../../shared/onnx/index.ts';
import { describeDatabases } from '../db/test-databases.ts';
import { materializeFixtureAsset } from '../training/train-fixtures.ts';
import { LocalObjectStore } from '../storage/local.ts';
import { createTestApi, type TestApi } from '../testing.ts';

describeDatabases('model labeling functions API', (database) => {
  let storeRoot: string;
  let store: LocalObjectStore;
  let api: TestApi;
  let c: string;
  let lfs: string;
  let modelId: string;
  beforeAll(() => {
    storeRoot = mkdtempSync(join(tmpdir(), 'reef-model-lfs-'));
    store = new LocalObjectStore(storeRoot);
  });
  afterAll(() => rmSync(storeRoot, { recursive: true, force: true }));

  const upload = async (bytes: Uint8Array) => {
    const res = await api.app.request(`/api/concepts/${c}/models?name=scorer.onnx`, {
      method: 'POST', body: bytes as Uint8Array<ArrayBuffer>, headers: { Authorization: `Bearer ${api.tokens.analyst}`, 'Content-Type': 'application/octet-stream' },
    });
    expect(res.status).toBe(201);
    return (await res.json()).model_id as string;
  };

  beforeEach(async () => {
    api = await createTestApi(database(), { store });
    c = (await api.call('POST', '/api/concepts', { body: { name: 'spam', values: ['HAM', 'SPAM', 'UNSURE'] } })).body.c_id;
    lfs = `/api/concepts/${c}/labeling-functions`;
    await materializeFixtureAsset(database().db, store, {
      conceptId: c, kind: 'indexes', name: 'comments', keyColumn: 'id',
      select: `SELECT i AS id, i * 0.5 AS score, i % 7 AS links, 'text ' || i AS body FROM range(50) t(i)`,
    });
    await materializeFixtureAsset(database().db, store, {
      conceptId: c, kind: 'rules', name: 'author', keyColumn: 'id', select: 'SELECT i AS id, i % 3 = 0 AS verified, i * 2 AS score FROM range(50) t(i)',
    });
    // Two features → two classes.
    modelId = await upload(linearClassifierToOnnx({ features: 2, classes: 2, weights: [0.1, -0.1, 0.2, -0.2], bias: [0, 0] }));
  });

  const body = (over: Record<string, unknown> = {}) => ({ name: 'scorer', label: 'SPAM', model_id: modelId, columns: ['score', 'links'], output_class: 1, threshold: 0.7, ...over });

  it('saves a model LF with its config, defaults scores to probabilities, and versions a patch', async () => {
    const created = await api.call('POST', `${lfs}/model`, { as: 'analyst', body: body() });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({
      lf_type: 'model', label: 1, label_name: 'SPAM', active: true, requires_approval: false, version: 1,
      config: { model_id: modelId, columns: ['score', 'links'], output_class: 1, threshold: 0.7, scores: 'probabilities' },
    });
    expect(created.body.config).not.toHaveProperty('input');
    // Rule columns by their own name and as "<rule>.<column>"; booleans are numbers to a model.
    const patched = await api.call('PATCH', `${lfs}/${created.body.lf_id}`, { body: { columns: ['author.score', 'verified'], scores: 'logits', threshold: 0.55 } });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body).toMatchObject({ version: 2, config: { columns: ['author.score', 'verified'], scores: 'logits', threshold: 0.55, output_class: 1 } });
    const history = await api.call('GET', `${lfs}/${created.body.lf_id}/versions`);
    expect(history.body[0].snapshot).toMatchObject({ lf_type: 'model', config: { columns: ['score', 'links'], scores: 'probabilities' } });
  });

  it.each([
    ['a model id the concept has no upload of', { model_id: '00000000-0000-4000-8000-000000000000' }, 'MODEL_NOT_FOUND', /No uploaded model/],
    ['a column no asset has', { columns: ['score', 'missing'] }, 'MODEL_MISSING_COLUMN', /"missing"/],
    ['a text column', { columns: ['score', 'body'] }, 'MODEL_COLUMN_TYPE', /"body" \(string\)/],
    ['more columns than the model has features', { columns: ['score', 'links', 'verified'] }, 'MODEL_INPUT_SHAPE', /\[rows, 3\]/],
    ['an output class the model does not score', { output_class: 2 }, 'MODEL_OUTPUT_SHAPE', /scores 2 classes/],
    ['an input the model does not have', { input: 'pixels' }, 'MODEL_INPUT_SHAPE', /no input "pixels"/],
  ])('refuses %s with 400 %s, storing nothing', async (_what, over, code, message) => {
    const res = await api.call('POST', `${lfs}/model`, { body: body(over) });
    expect(res.status, res.text).toBe(400);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.message).toMatch(message);
    expect((await api.call('GET', lfs)).body).toEqual([]);
  });

  it('refuses a label outside the concept, a threshold outside 0..1, a misspelt field, and a patch that breaks the mapping', async () => {
    const label = await api.call('POST', `${lfs}/model`, { body: body({ label: 3 }) });
    expect([label.status, label.body.error.code]).toEqual([400, 'INVALID_LABEL']);
    const threshold = await api.call('POST', `${lfs}/model`, { body: body({ threshold: 1.5 }) });
    expect([threshold.status, threshold.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
    const typo = await api.call('POST', `${lfs}/model`, { body: { ...body(), colums: ['score'] } });
    expect(typo.status).toBe(400);
    expect(typo.body.error.message).toContain('colums');

    const created = await api.call('POST', `${lfs}/model`, { body: body() });
    const broken = await api.call('PATCH', `${lfs}/${created.body.lf_id}`, { body: { columns: ['body', 'score'] } });
    expect([broken.status, broken.body.error.code]).toEqual([400, 'MODEL_COLUMN_TYPE']);
    const foreign = await api.call('PATCH', `${lfs}/${created.body.lf_id}`, { body: { pattern: 'x' } });
    expect(foreign.body.error.message).toContain('pattern is not a field of a model LF');
    expect((await api.call('GET', `${lfs}/${created.body.lf_id}`)).body.version).toBe(1);
  });

  it('serves an uploaded model\'s bytes to the browser, and 404 for another concept\'s', async () => {
    const res = await api.app.request(`/api/concepts/${c}/models/${modelId}/model.onnx`, { headers: { Authorization: `Bearer ${api.tokens.viewer}` } });
    expect(res.status).toBe(200);
    expect(Array.from(new Uint8Array(await res.arrayBuffer()))).toEqual(Array.from(linearClassifierToOnnx({ features: 2, classes: 2, weights: [0.1, -0.1, 0.2, -0.2], bias: [0, 0] })));
    const other = (await api.call('POST', '/api/concepts', { body: { name: 'other', values: ['A', 'B'] } })).body.c_id;
    const crossed = await api.app.request(`/api/concepts/${other}/models/${modelId}/model.onnx`, { headers: { Authorization: `Bearer ${api.tokens.viewer}` } });
    expect(crossed.status).toBe(404);
  });
});
