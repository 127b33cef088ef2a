// GET /v1/openapi.json: the API's OpenAPI document. `npm run build` generates it from the routes'
// own declarations (worker/openapi/document.ts) into the static assets, so the generator and the
// JSON Schema conversion stay out of the deployed worker; this route adds the server's own URL.
import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { basePath } from '../http/base-path';
import { ApiError } from '../http/errors';
import { describer, type Operations } from '../http/operation';
import { OpenApiDocument } from '../schema/openapi';

export const operations = {
  getOpenApiDocument: {
    tag: 'meta',
    summary: 'This document',
    auth: 'none',
    ok: OpenApiDocument,
    errors: { 503: 'The document was not built (npm run build)' },
  },
} satisfies Operations;
const operation = describer<typeof operations>();

export const openapi = new Hono<AppEnv>().get('/v1/openapi.json', operation('getOpenApiDocument'), async (c) => {
  const asset = await c.env.ASSETS.fetch(new URL('/openapi.json', c.req.url));
  if (!asset.ok) throw new ApiError(503, 'not_built', 'the OpenAPI document is not built: run npm run build');
  const document = await asset.json<Record<string, unknown>>();
  c.header('Cache-Control', 'public, max-age=300');
  return c.json({ ...document, servers: [{ url: `${new URL(c.req.url).origin}${basePath(c)}` }] });
});
