// The Reef API as one Hono app, composed from routes; node.ts and worker.ts only supply its dependencies.
import { swaggerUI } from '@hono/swagger-ui';
import { cachedReads } from './db/cached-reads.ts';
import type { AppDeps } from './env.ts';
import { createRouter } from './router.ts';
import { errorResponse, handleError } from './errors.ts';
import { readRequestBody } from './request-body.ts';
import { requireToken, requireWriteRole } from './security/auth.ts';
import { assetRoutes } from './routes/assets.ts';
import { catalogRoutes } from './routes/catalog.ts';
import { conceptRoutes } from './routes/concepts.ts';
import { connectionFileRoutes, isFileUpload } from './routes/connection-files.ts';
import { connectionRoutes } from './routes/connections.ts';
import { goldLabelRoutes } from './routes/gold-labels.ts';
import { healthRoutes } from './routes/health.ts';
import { labelingFunctionRoutes } from './routes/labeling-functions.ts';
import { materializeRoutes } from './routes/materialize.ts';
import { pipelineRoutes } from './routes/pipelines.ts';
import { runRoutes } from './routes/runs.ts';
import { sourceQueryRoutes } from './routes/source-queries.ts';
import { tokenRoutes } from './routes/tokens.ts';
import { trainingRoutes } from './routes/training.ts';
import { modelRoutes } from './routes/models.ts';

export const MAX_BODY_BYTES = 1024 * 1024;

export function createApp(deps: AppDeps) {
  const app = createRouter();
  app.onError(handleError);
  app.notFound((c) => errorResponse(c, 404, 'NOT_FOUND', `No route ${c.req.method} ${c.req.path}; see /api/docs.`));
  // The seed's clients call its paths without /api (`/concepts/{c_id}/catalog`, `/dagster/runs/{id}`); a browser
  // opening a studio page of the same address asks for text/html and gets the page.
  app.use('*', async (c, next) => {
    const apiPath = seedApiPath(c.req.path);
    if (!apiPath || c.req.header('accept')?.includes('text/html')) return next();
    const url = new URL(c.req.url);
    url.pathname = apiPath;
    return app.fetch(new Request(url, c.req.raw), c.env);
  });
  const reads = cachedReads(deps.changes);
  app.use('*', async (c, next) => {
    c.set('deps', deps);
    c.set('reads', reads);
    await next();
    // This process's own writes are seen by its next read at once; other processes' arrive by the change feed.
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') reads.clear();
  });
  // File uploads stream to the object store with a limit of their own; every other body is JSON of at most 1 MB,
  // nested at most MAX_JSON_DEPTH levels, and read whole before any route runs.
  app.use('/api/*', readRequestBody({ maxBytes: MAX_BODY_BYTES, isUpload: isFileUpload }));

  app.route('/', healthRoutes());
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'Reef API', version: '0.1.0', description: 'Definitions, assets, labeling functions and runs of Reef.' },
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  // @hono/swagger-ui loads `${baseUrl}/swagger-ui-dist/…`.
  app.get('/api/docs', swaggerUI({ url: '/openapi.json', ...(deps.docsAssetsUrl ? { baseUrl: deps.docsAssetsUrl } : {}) }));

  app.use('/api/*', requireToken, requireWriteRole);
  app.route('/', tokenRoutes());
  app.route('/', runRoutes());
  app.route('/', conceptRoutes());
  app.route('/', labelingFunctionRoutes());
  app.route('/', connectionRoutes());
  app.route('/', connectionFileRoutes());
  app.route('/', assetRoutes('indexes'));
  app.route('/', assetRoutes('rules'));
  app.route('/', catalogRoutes());
  app.route('/', pipelineRoutes());
  app.route('/', goldLabelRoutes());
  app.route('/', materializeRoutes());
  app.route('/', sourceQueryRoutes());
  app.route('/', trainingRoutes());
  app.route('/', modelRoutes());
  return app;
}

export type App = ReturnType<typeof createApp>;

/** The /api address of a seed path (the seed served its API at the root), or undefined for any other path. */
export function seedApiPath(path: string): string | undefined {
  if (path.startsWith('/dagster/runs/')) return `/api/runs/${path.slice('/dagster/runs/'.length)}`;
  if (/^\/(concepts|connections|runs)(\/|$)/.test(path)) return `/api${path}`;
  return undefined;
}
