// GET /v1/health: answers without touching any binding, for uptime checks and as the empty-route
// baseline the benchmarks compare collect and decide with.
import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { describer, type Operations } from '../http/operation';
import { Health } from '../schema/health';

export const operations = {
  health: {
    tag: 'meta',
    summary: 'Answers without touching any binding',
    auth: 'none',
    ok: Health,
    errors: {},
  },
} satisfies Operations;
const operation = describer<typeof operations>();

export const health = new Hono<AppEnv>().get('/v1/health', operation('health'), (c) => {
  c.header('Cache-Control', 'no-store');
  return c.json({ ok: true } satisfies Health, 200);
});
