// Every route module builds on this router, so validation failures all answer the same shape: 400 for a bad body or
// query, 404 for a path id that cannot name anything.
import { Readable } from 'node:stream';
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { ErrorBody } from '../shared/schema/common.ts';
import type { AppEnv } from './env.ts';
import { ApiError } from './errors.ts';

export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        // A malformed id in the path names nothing that exists: the same 404 as an id that was never created.
        if (result.target === 'param') {
          const first = result.error.issues[0];
          throw new ApiError(404, 'NOT_FOUND', `No such resource: ${first ? `${first.path.join('.')}: ${first.message}` : 'bad path'}.`);
        }
        const issues = result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
        const first = issues[0];
        throw new ApiError(400, 'VALIDATION_FAILED',
          first ? `${first.path || 'body'}: ${first.message}` : 'The request is not valid.', { issues });
      }
    },
  });
}

export const jsonBody = <T extends z.ZodType>(schema: T) =>
  ({ body: { required: true, content: { 'application/json': { schema } } } }) as const;

export const json = <T extends z.ZodType>(schema: T, description: string) =>
  ({ description, content: { 'application/json': { schema } } }) as const;

const errorContent = { 'application/json': { schema: ErrorBody } };
/** The error answers every authenticated route may give, for the OpenAPI document. */
export const errors = {
  400: { description: 'Invalid input', content: errorContent },
  401: { description: 'Missing or invalid token', content: errorContent },
  403: { description: 'Role too low', content: errorContent },
  404: { description: 'Not found', content: errorContent },
  409: { description: 'Conflicts with existing data', content: errorContent },
} as const;

export const secured = [{ bearer: [] }];

export { iso } from './dates.ts';

/** A Node stream as the web stream Hono sends (node:stream/web's ReadableStream is the global one under another type). */
export const webStream = (stream: Readable) => Readable.toWeb(stream) as ReadableStream;
