// Every request body except file uploads is read here, whole and bounded, before a route sees it: a route that
// takes no body still gets its body read (or the client would see its connection dropped mid-send, "other side
// closed"), one over the limit is read and discarded before the 413 goes out, and JSON nested deeper than anything
// Reef stores is refused before a parser, a validator or the database recurses into it.
import type { IncomingMessage } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
import { errorResponse } from './errors.ts';

/** Objects and arrays nested deeper than this are refused (JSON_TOO_DEEP); Reef's deepest definitions use a handful. */
export const MAX_JSON_DEPTH = 64;
/** A body this far over the limit is not read to its end: the 413 goes out with `Connection: close` instead. */
const MAX_DISCARD_BYTES = 16 * 1024 * 1024;
/** Routes of these methods take no body. */
const BODILESS = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS']);

/** How deeply objects and arrays nest in `text`, brackets inside strings not counted; no recursion, any input. */
export function jsonDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c) i++; // backslash: skip the escaped character
      else if (ch === 0x22) inString = false;
    } else if (ch === 0x22) {
      inString = true;
    } else if (ch === 0x7b || ch === 0x5b) {
      if (++depth > deepest) deepest = depth;
    } else if (ch === 0x7d || ch === 0x5d) {
      depth--;
    }
  }
  return deepest;
}

type Chunks = AsyncIterable<Uint8Array>;

/**
 * The request's body stream: the Request's, or for GET and HEAD on Node (where @hono/node-server does not attach
 * it) the socket's when the headers announce one.
 */
function bodyOf(c: Context): Chunks | null {
  if (c.req.raw.body) return c.req.raw.body;
  const declared = c.req.header('content-length');
  const announced = declared === undefined ? c.req.header('transfer-encoding') !== undefined : Number(declared) > 0;
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  return announced && incoming && !incoming.readableEnded ? incoming : null;
}

/** Up to `keep` bytes of the body; the rest is read and dropped, up to MAX_DISCARD_BYTES. */
async function readBounded(body: Chunks, keep: number): Promise<{ bytes: Uint8Array<ArrayBuffer>; total: number; ended: boolean }> {
  const kept: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of body) {
    if (total + chunk.length <= keep) kept.push(chunk);
    total += chunk.length;
    if (total > keep + MAX_DISCARD_BYTES) return { bytes: new Uint8Array(0), total, ended: false };
  }
  const bytes = new Uint8Array(total <= keep ? total : 0);
  if (total <= keep) {
    let at = 0;
    for (const chunk of kept) { bytes.set(chunk, at); at += chunk.length; }
  }
  return { bytes, total, ended: true };
}

/** The middleware; `isUpload` names the routes that stream their bodies with limits of their own. */
export function readRequestBody(opts: { maxBytes: number; isUpload: (method: string, path: string) => boolean }): MiddlewareHandler {
  const limitText = `${Math.round(opts.maxBytes / 1024 / 1024)} MB`;
  return async (c, next) => {
    const { method, path } = c.req;
    if (opts.isUpload(method, path)) return next();
    const body = bodyOf(c);
    if (!body) return next();
    const bodiless = BODILESS.has(method);
    const { bytes, total, ended } = await readBounded(body, bodiless ? 0 : opts.maxBytes);
    if (!ended) c.header('Connection', 'close');
    if (bodiless && total > 0) {
      return errorResponse(c, 413, 'PAYLOAD_TOO_LARGE', `${method} ${path} takes no request body; send it without one.`);
    }
    if (total > opts.maxBytes) {
      return errorResponse(c, 413, 'PAYLOAD_TOO_LARGE', `The request body is larger than ${limitText}; send less at a time.`);
    }
    if (bodiless) return next();
    const type = c.req.header('content-type');
    if (type === undefined || /json/i.test(type)) {
      const depth = jsonDepth(new TextDecoder().decode(bytes));
      if (depth > MAX_JSON_DEPTH) {
        return errorResponse(c, 400, 'JSON_TOO_DEEP', `The request body nests objects and arrays ${depth} levels deep; at most ${MAX_JSON_DEPTH} are accepted. Send a flatter body.`, { depth, max_depth: MAX_JSON_DEPTH });
      }
    }
    c.req.raw = new Request(c.req.raw, { body: bytes });
    return next();
  };
}
