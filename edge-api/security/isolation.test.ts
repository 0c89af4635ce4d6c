import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { ISOLATION_HEADERS, withCrossOriginIsolation } from './isolation.ts';

describe('withCrossOriginIsolation', () => {
  it('puts COOP, COEP and CORP on every response, its own headers and body kept', async () => {
    const app = new Hono();
    app.get('/api/x', (c) => c.json({ ok: true }, 201, { 'X-Own': '1' }));
    app.get('/proxied', () => fetch('data:text/plain,hello'));
    const fetchIsolated = withCrossOriginIsolation(app.fetch);
    for (const path of ['/api/x', '/proxied', '/missing']) {
      const res = await fetchIsolated(new Request(`http://127.0.0.1${path}`));
      for (const [name, value] of Object.entries(ISOLATION_HEADERS)) expect(res.headers.get(name), `${path} ${name}`).toBe(value);
    }
    const own = await fetchIsolated(new Request('http://127.0.0.1/api/x'));
    expect([own.status, own.headers.get('X-Own'), await own.json()]).toEqual([201, '1', { ok: true }]);
    expect(await (await fetchIsolated(new Request('http://127.0.0.1/proxied'))).text()).toBe('hello');
  });
});
