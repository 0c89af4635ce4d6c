import { beforeEach, expect, it } from 'vitest';
import { describeDatabases } from './db/test-databases.ts';
import { createTestApi, type TestApi } from './testing.ts';

describeDatabases('OpenAPI document', (database) => {
  let api: TestApi;
  beforeEach(async () => { api = await createTestApi(database()); });

  it("documents the seed's paths with their methods, without a token", async () => {
    const res = await api.call('GET', '/openapi.json', { as: null });
    expect(res.status).toBe(200);
    const paths = res.body.paths as Record<string, Record<string, unknown>>;
    const methods = (path: string) => Object.keys(paths[path] ?? {}).sort();
    expect(methods('/api/connections')).toEqual(['get', 'post']);
    expect(methods('/api/connections/{conn_id}')).toEqual(['delete', 'get', 'patch']);
    expect(methods('/api/connections/{conn_id}/test')).toEqual(['post']);
    expect(methods('/api/concepts/{c_id}/catalog')).toEqual(['get']);
    expect(methods('/api/concepts/{c_id}/indexes')).toEqual(['get', 'post']);
    expect(methods('/api/concepts/{c_id}/indexes/{index_id}')).toEqual(['delete', 'get', 'patch']);
    expect(methods('/api/concepts/{c_id}/rules')).toEqual(['get', 'post']);
    expect(methods('/api/concepts/{c_id}/rules/{r_id}')).toEqual(['delete', 'get', 'patch']);
    expect(methods('/api/concepts/{c_id}/pipelines')).toEqual(['get']);
    expect(methods('/api/concepts/{c_id}/pipelines/{name}')).toEqual(['delete', 'get', 'put']);
  });

  it('describes bodies from the shared zod schemas, and never a password in a response', async () => {
    const { body: doc } = await api.call('GET', '/openapi.json', { as: null });
    const create = doc.paths['/api/connections'].post;
    const requestSchema = create.requestBody.content['application/json'].schema;
    expect(requestSchema.properties.connection_type.enum).toEqual(['postgresql', 'mysql', 'files']);
    expect(requestSchema.properties).toHaveProperty('password');
    const responseSchema = create.responses['201'].content['application/json'].schema;
    expect(Object.keys(responseSchema.properties)).toContain('has_password');
    expect(Object.keys(responseSchema.properties)).not.toContain('password');
    const catalog = doc.paths['/api/concepts/{c_id}/catalog'].get.responses['200'].content['application/json'].schema;
    expect(Object.keys(catalog.properties).sort()).toEqual(['indexes', 'labeling_functions', 'rules']);
    expect(Object.keys(catalog.properties.indexes.items.properties)).toEqual(expect.arrayContaining(['id', 'name', 'is_materialized', 'row_count', 'storage_path']));
  });
});
