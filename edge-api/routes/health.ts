import { createRoute, z } from '@hono/zod-openapi';
import { createRouter } from '../router.ts';

const health = createRoute({
  method: 'get', path: '/api/health', tags: ['system'],
  responses: {
    200: {
      description: 'The API is up and its database answers.',
      content: { 'application/json': { schema: z.object({ status: z.literal('ok'), database: z.string(), version: z.string() }) } },
    },
  },
});

export const healthRoutes = () => createRouter().openapi(health, async (c) => {
  await c.var.deps.db.execute('select 1');
  return c.json({ status: 'ok' as const, database: c.var.deps.databaseKind, version: '0.1.0' }, 200);
});
