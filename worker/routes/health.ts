// GET /v1/health: answers without touching any binding, for uptime checks and as the empty-route
// baseline the benchmarks compare collect and decide with.
import { Hono } from 'hono';
import type { AppEnv } from '../env';

export const health = new Hono<AppEnv>().get('/v1/health', (c) => {
  c.header('Cache-Control', 'no-store');
  return c.json({ ok: true });
});
