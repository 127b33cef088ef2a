// GET /v1/health: answers without touching any binding, for uptime checks and as the empty-route
// baseline the benchmarks compare collect and decide with.
import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { operation } from '../http/operation';
import { Health } from '../schema/health';

const described = operation({
  id: 'health',
  tag: 'meta',
  summary: 'Answers without touching any binding',
  auth: 'none',
  ok: Health,
  errors: {},
});

export const health = new Hono<AppEnv>().get('/v1/health', described, (c) => {
  c.header('Cache-Control', 'no-store');
  return c.json({ ok: true } satisfies Health, 200);
});
