import { beforeEach, expect, it } from 'vitest';
import { labelingFunctionVersions } from '../db/schema.ts';
import { describeDatabases } from '../db/test-databases.ts';
import { createTestApi, type TestApi } from '../testing.ts';

const customCode = 'function lf(row) { return row.text.includes("free") ? "SPAM" : null; }';

describeDatabases('labeling functions API', (database) => {
  let api: TestApi;
  let cId: string;
  let lfs: string;
  beforeEach(async () => {
    api = await createTestApi(database());
    const concept = await api.call('POST', '/api/concepts', { body: { name: 'spam', values: ['HAM', 'SPAM', 'UNSURE'] } });
    cId = concept.body.c_id;
    lfs = `/api/concepts/${cId}/labeling-functions`;
  });

  it('creates each kind with its config and resolves the label by position or by name', async () => {
    const template = await api.call('POST', `${lfs}/template`, { as: 'analyst', body: { name: 'short', field: 'length', operator: '<', value: 20, label: 'HAM' } });
    expect(template.status).toBe(201);
    expect(template.body).toMatchObject({
      c_id: cId, name: 'short', lf_type: 'template', label: 0, label_name: 'HAM', version: 1, active: true, requires_approval: false,
      config: { field: 'length', operator: '<', value: 20 },
    });
    const regex = await api.call('POST', `${lfs}/regex`, { body: { name: 'free', field: 'text', pattern: '\\bfree\\b', label: 1, case_insensitive: true } });
    expect(regex.body).toMatchObject({ label: 1, label_name: 'SPAM', config: { field: 'text', pattern: '\\bfree\\b', case_insensitive: true } });
    const sql = await api.call('POST', `${lfs}/sql`, { body: { name: 'many links', expression: 'n_links > 3', label: 'SPAM', active: false } });
    expect(sql.body).toMatchObject({ label: 1, active: false, config: { expression: 'n_links > 3' } });

    const list = await api.call('GET', lfs, { as: 'viewer' });
    expect(list.status).toBe(200);
    expect(list.body.map((lf: { name: string }) => lf.name)).toEqual(['short', 'free', 'many links']);
    const got = await api.call('GET', `${lfs}/${regex.body.lf_id}`, { as: 'viewer' });
    expect(got.body).toEqual(regex.body);
  });

  it('refuses a label outside the concept, naming the valid values', async () => {
    const byPosition = await api.call('POST', `${lfs}/sql`, { body: { name: 'x', expression: 'true', label: 3 } });
    expect(byPosition.status).toBe(400);
    expect(byPosition.body.error.code).toBe('INVALID_LABEL');
    expect(byPosition.body.error.message).toContain('0 (HAM), 1 (SPAM), 2 (UNSURE)');
    const byName = await api.call('POST', `${lfs}/sql`, { body: { name: 'x', expression: 'true', label: 'spam' } });
    expect(byName.status).toBe(400);
    expect(byName.body.error.details.values).toEqual(['HAM', 'SPAM', 'UNSURE']);
    expect((await api.call('GET', lfs)).body).toEqual([]);
  });

  it('refuses a pattern that does not compile or backtracks exponentially, saying why', async () => {
    const bad = await api.call('POST', `${lfs}/regex`, { body: { name: 'bad', field: 'text', pattern: '(free', label: 1 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('LF_INVALID');
    expect(bad.body.error.message).toMatch(/Unterminated group/);
    const evil = await api.call('POST', `${lfs}/regex`, { body: { name: 'evil', field: 'text', pattern: '^(a+)+$', label: 1 } });
    expect(evil.status).toBe(400);
    expect(evil.body.error.message).toMatch(/nested quantifiers/);
    const caseless = await api.call('POST', `${lfs}/regex`, { body: { name: 'caseless', field: 'text', pattern: '(a|A)+', label: 1 } });
    expect(caseless.status).toBe(201);
    const madeUnsafe = await api.call('PATCH', `${lfs}/${caseless.body.lf_id}`, { body: { case_insensitive: true } });
    expect(madeUnsafe.status).toBe(400);
    expect(madeUnsafe.body.error.code).toBe('LF_INVALID');
  });

  it('checks that template operators get the value they need', async () => {
    const cases: [string, unknown, boolean][] = [
      ['is_null', undefined, true], ['is_null', 'x', false], ['not_null', null, true],
      ['in', ['a', 'b'], true], ['in', 'a', false], ['not_in', [], false],
      ['contains', 'free', true], ['contains', 3, false], ['>', 3, true], ['>', ['a'], false],
      ['==', true, true], ['==', null, false],
    ];
    for (const [operator, value, ok] of cases) {
      const res = await api.call('POST', `${lfs}/template`, { body: { name: `${operator} ${JSON.stringify(value)}`, field: 'f', operator, value, label: 0 } });
      expect([operator, value, res.status]).toEqual([operator, value, ok ? 201 : 400]);
      if (!ok) expect(res.body.error.code).toBe('LF_INVALID');
    }
    const noValue = await api.call('POST', `${lfs}/template`, { body: { name: 'n', field: 'f', operator: 'is_null', label: 0 } });
    expect(noValue.status).toBe(201);
    expect(noValue.body.config).toEqual({ field: 'f', operator: 'is_null', value: null });
  });

  it('refuses a misspelt field and a duplicate name within the concept', async () => {
    const typo = await api.call('POST', `${lfs}/regex`, { body: { name: 'r', field: 'text', patern: 'x', pattern: 'x', label: 0 } });
    expect(typo.status).toBe(400);
    expect(typo.body.error.message).toContain('patern');
    await api.call('POST', `${lfs}/sql`, { body: { name: 'same', expression: 'true', label: 0 } });
    const dup = await api.call('POST', `${lfs}/regex`, { body: { name: 'same', field: 'text', pattern: 'x', label: 0 } });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('CONFLICT');
    const other = await api.call('POST', '/api/concepts', { body: { name: 'other', values: ['A', 'B'] } });
    const elsewhere = await api.call('POST', `/api/concepts/${other.body.c_id}/labeling-functions/sql`, { body: { name: 'same', expression: 'true', label: 'B' } });
    expect(elsewhere.status).toBe(201);
  });

  it('stores custom LFs inactive until an approver approves them', async () => {
    const created = await api.call('POST', `${lfs}/custom`, { as: 'analyst', body: { name: 'free words', code: customCode, label: 'SPAM' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ active: false, requires_approval: true, approved_by: null, approved_at: null, config: { code: customCode } });
    const url = `${lfs}/${created.body.lf_id}/approve`;

    const byAnalyst = await api.call('POST', url, { as: 'analyst' });
    expect(byAnalyst.status).toBe(403);
    expect(byAnalyst.body.error.code).toBe('FORBIDDEN');
    const activate = await api.call('PATCH', `${lfs}/${created.body.lf_id}`, { as: 'analyst', body: { active: true } });
    expect(activate.status).toBe(409);
    expect(activate.body.error.code).toBe('APPROVAL_REQUIRED');

    const approved = await api.call('POST', url, { as: 'approver' });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ active: true, requires_approval: false, approved_by: 'test approver', version: 1 });
    expect(Date.parse(approved.body.approved_at)).toBeGreaterThan(Date.now() - 60_000);
    expect((await api.call('POST', url, { as: 'admin' })).status).toBe(409);
  });

  it('refuses custom code that is not one function of a row, with the compiler\'s message', async () => {
    const broken = await api.call('POST', `${lfs}/custom`, { body: { name: 'broken', code: 'function lf(row) { return row.x ==; }', label: 0 } });
    expect(broken.status).toBe(400);
    expect(broken.body.error.code).toBe('CUSTOM_LF_INVALID');
    expect(broken.body.error.message).toMatch(/expected/i);
    const two = await api.call('POST', `${lfs}/custom`, { body: { name: 'two', code: 'function a(row) { return 0; }\nfunction b(row) { return 1; }', label: 0 } });
    expect(two.status).toBe(400);
    expect(two.body.error.code).toBe('CUSTOM_LF_INVALID');
    const preActivated = await api.call('POST', `${lfs}/custom`, { body: { name: 'eager', code: customCode, label: 0, active: true } });
    expect(preActivated.status).toBe(409);
    expect((await api.call('GET', lfs)).body).toEqual([]);
  });

  it('versions every save: a patch bumps the version and keeps the old snapshot', async () => {
    const created = await api.call('POST', `${lfs}/regex`, { body: { name: 'free', field: 'text', pattern: 'free', label: 'SPAM' } });
    const lf = `${lfs}/${created.body.lf_id}`;
    const patched = await api.call('PATCH', lf, { as: 'analyst', body: { pattern: 'fr[e3]{2}', label: 'UNSURE', description: 'leet too' } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      version: 2, label: 2, label_name: 'UNSURE', description: 'leet too',
      config: { field: 'text', pattern: 'fr[e3]{2}', case_insensitive: false },
    });
    await api.call('PATCH', lf, { body: { name: 'free-ish', description: null } });

    const history = await api.call('GET', `${lf}/versions`, { as: 'viewer' });
    expect(history.status).toBe(200);
    expect(history.body.map((v: { version: number }) => v.version)).toEqual([1, 2, 3]);
    expect(history.body[0]).toMatchObject({
      lf_id: created.body.lf_id, created_by: 'test admin',
      snapshot: { name: 'free', lf_type: 'regex', label: 1, label_name: 'SPAM', description: null, config: { field: 'text', pattern: 'free', case_insensitive: false } },
    });
    expect(history.body[1]).toMatchObject({ created_by: 'test analyst', snapshot: { label: 2, description: 'leet too', config: { pattern: 'fr[e3]{2}' } } });
    expect(history.body[2].snapshot).toMatchObject({ name: 'free-ish', description: null, label: 2 });
    expect((await api.call('GET', lf)).body.version).toBe(3);
  });

  it('gives concurrent patches distinct versions, each with its own snapshot', async () => {
    const created = await api.call('POST', `${lfs}/sql`, { body: { name: 'n', expression: 'n > 0', label: 0 } });
    const lf = `${lfs}/${created.body.lf_id}`;
    const patches = await Promise.all([1, 2, 3, 4, 5].map((n) => api.call('PATCH', lf, { body: { expression: `n > ${n}` } })));
    expect(patches.map((p) => p.status)).toEqual([200, 200, 200, 200, 200]);
    expect(patches.map((p) => p.body.version).sort()).toEqual([2, 3, 4, 5, 6]);
    const history = await api.call('GET', `${lf}/versions`);
    expect(history.body.map((v: { version: number }) => v.version)).toEqual([1, 2, 3, 4, 5, 6]);
    const final = await api.call('GET', lf);
    expect(final.body.config.expression).toBe(history.body[5].snapshot.config.expression);
    expect(new Set(history.body.map((v: { snapshot: { config: { expression: string } } }) => v.snapshot.config.expression)).size).toBe(6);
  });

  it('re-checks a patched definition as a whole and changes nothing when it fails', async () => {
    const created = await api.call('POST', `${lfs}/template`, { body: { name: 'in', field: 'tag', operator: 'in', value: ['a'], label: 0 } });
    const lf = `${lfs}/${created.body.lf_id}`;
    const scalar = await api.call('PATCH', lf, { body: { value: 'a' } });
    expect(scalar.status).toBe(400);
    expect(scalar.body.error.code).toBe('LF_INVALID');
    const foreign = await api.call('PATCH', lf, { body: { pattern: 'x' } });
    expect(foreign.status).toBe(400);
    expect(foreign.body.error.message).toContain('pattern is not a field of a template LF');
    const label = await api.call('PATCH', lf, { body: { label: 7 } });
    expect(label.body.error.code).toBe('INVALID_LABEL');
    expect((await api.call('PATCH', lf, { body: {} })).status).toBe(400);

    const toNull = await api.call('PATCH', lf, { body: { operator: 'is_null', value: null } });
    expect(toNull.status).toBe(200);
    expect(toNull.body).toMatchObject({ version: 2, config: { field: 'tag', operator: 'is_null', value: null } });
    const history = await api.call('GET', `${lf}/versions`);
    expect(history.body).toHaveLength(2);
  });

  it('asks for approval again when a custom LF\'s code changes, not when only its name does', async () => {
    const created = await api.call('POST', `${lfs}/custom`, { body: { name: 'c', code: customCode, label: 1 } });
    const lf = `${lfs}/${created.body.lf_id}`;
    await api.call('POST', `${lf}/approve`, { as: 'approver' });
    const renamed = await api.call('PATCH', lf, { body: { name: 'c2' } });
    expect(renamed.body).toMatchObject({ version: 2, active: true, requires_approval: false, approved_by: 'test approver' });

    const recoded = await api.call('PATCH', lf, { as: 'analyst', body: { code: customCode.replace('free', 'prize') } });
    expect(recoded.body).toMatchObject({ version: 3, active: false, requires_approval: true, approved_by: null, approved_at: null });
    // Approving names the version read: version 2's code is not what is stored any more.
    const stale = await api.call('POST', `${lf}/approve`, { as: 'approver', body: { version: 2 } });
    expect(stale.status).toBe(409);
    expect(stale.body.error.message).toContain('version 3');
    const fresh = await api.call('POST', `${lf}/approve`, { as: 'approver', body: { version: 3 } });
    expect(fresh.body).toMatchObject({ active: true, version: 3 });
  });

  it('only approves custom LFs, and answers unknown ids and other concepts with 404', async () => {
    const regex = await api.call('POST', `${lfs}/regex`, { body: { name: 'r', field: 'text', pattern: 'x', label: 0 } });
    const notCustom = await api.call('POST', `${lfs}/${regex.body.lf_id}/approve`, { as: 'approver' });
    expect(notCustom.status).toBe(409);
    expect(notCustom.body.error.message).toContain('Only custom LFs need approval');

    const missing = '00000000-0000-4000-8000-000000000000';
    for (const [method, path] of [['GET', `${lfs}/${missing}`], ['PATCH', `${lfs}/${missing}`], ['DELETE', `${lfs}/${missing}`],
      ['GET', `${lfs}/${missing}/versions`], ['POST', `${lfs}/${missing}/approve`], ['GET', `/api/concepts/${missing}/labeling-functions`]] as const) {
      const res = await api.call(method, path, { body: method === 'PATCH' ? { name: 'n' } : undefined });
      expect([method, path, res.status, res.body.error.code]).toEqual([method, path, 404, 'NOT_FOUND']);
    }
    const other = await api.call('POST', '/api/concepts', { body: { name: 'other', values: ['A', 'B'] } });
    const crossed = await api.call('GET', `/api/concepts/${other.body.c_id}/labeling-functions/${regex.body.lf_id}`);
    expect(crossed.status).toBe(404);
  });

  it('deletes an LF with its history, and viewers cannot write', async () => {
    const created = await api.call('POST', `${lfs}/sql`, { body: { name: 's', expression: 'true', label: 0 } });
    const lf = `${lfs}/${created.body.lf_id}`;
    expect((await api.call('POST', `${lfs}/sql`, { as: 'viewer', body: { name: 'v', expression: 'true', label: 0 } })).status).toBe(403);
    expect((await api.call('DELETE', lf, { as: 'viewer' })).status).toBe(403);
    expect((await api.call('DELETE', lf, { as: 'analyst' })).status).toBe(204);
    expect((await api.call('GET', lf)).status).toBe(404);
    expect(await database().db.select().from(labelingFunctionVersions)).toEqual([]);
  });
});
