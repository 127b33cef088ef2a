// GET /v1/openapi.json: the API described from the same zod schemas the routes enforce.
import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { openApiDocument } from '../schema/openapi';

export const openapi = new Hono<AppEnv>().get('/v1/openapi.json', (c) => {
  c.header('Cache-Control', 'public, max-age=300');
  return c.json(openApiDocument(new URL(c.req.url).origin));
});
