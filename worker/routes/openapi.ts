// GET /v1/openapi.json: the API described from the same zod schemas the routes enforce.
import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { basePath } from '../http/base-path';
import { openApiDocument } from '../schema/openapi';

export const openapi = new Hono<AppEnv>().get('/v1/openapi.json', (c) => {
  c.header('Cache-Control', 'public, max-age=300');
  // The server is where this request came in, with the path prefix it came under.
  return c.json(openApiDocument(new URL(c.req.url).origin + basePath(c)));
});
