import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiRequestError, apiPath, request, requestJson, setTokenSource } from './request.ts';

// A real HTTP server answering as the API does: JSON, a 204, the API's error shape, and a proxy's HTML error page.
let server: Server;
let base = '';
const seen: { authorization?: string; contentType?: string; body: string }[] = [];
const bodyOf = (req: IncomingMessage) => new Promise<string>((resolve) => {
  let text = '';
  req.on('data', (c) => { text += c; });
  req.on('end', () => resolve(text));
});

beforeAll(async () => {
  server = createServer(async (req, res) => {
    seen.push({ authorization: req.headers.authorization, contentType: req.headers['content-type'], body: await bodyOf(req) });
    if (req.url === '/api/echo') return res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ url: req.url, method: req.method }));
    if (req.url === '/api/gone') return res.writeHead(204).end();
    if (req.url === '/api/conflict') return res.writeHead(409, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: { code: 'CONFLICT', message: 'Job x is RUNNING.' } }));
    res.writeHead(502, 'Bad Gateway', { 'Content-Type': 'text/html' }).end('<html>bad gateway</html>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('the API request core', () => {
  it('sends the session token, or the token a worker passes, and a JSON body with its type', async () => {
    setTokenSource(() => 'reef_session');
    expect(await requestJson(`${base}/api/echo`, { method: 'POST', json: { a: 1 } })).toEqual({ url: '/api/echo', method: 'POST' });
    await request(`${base}/api/echo`, { method: 'POST', token: 'reef_worker', body: 'PAR1', contentType: 'application/vnd.apache.parquet' });
    expect(seen.slice(-2)).toEqual([
      { authorization: 'Bearer reef_session', contentType: 'application/json', body: '{"a":1}' },
      { authorization: 'Bearer reef_worker', contentType: 'application/vnd.apache.parquet', body: 'PAR1' },
    ]);
  });
  it('answers undefined for 204 No Content', async () => {
    expect(await requestJson(`${base}/api/gone`, { method: 'DELETE' })).toBeUndefined();
  });
  it("throws the API's error code and message with the status", async () => {
    const error = await requestJson(`${base}/api/conflict`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiRequestError);
    expect(error).toMatchObject({ status: 409, code: 'CONFLICT', message: 'Job x is RUNNING.' });
  });
  it('names the HTTP status when the answer is not the API\'s error shape', async () => {
    await expect(request(`${base}/api/elsewhere`)).rejects.toMatchObject({ status: 502, code: 'HTTP_ERROR', message: '502 Bad Gateway' });
  });
  it('encodes each value put into a path', () => {
    expect(apiPath`/api/concepts/${'a b/c'}/models?name=${'x&y.onnx'}`).toBe('/api/concepts/a%20b%2Fc/models?name=x%26y.onnx');
  });
});
