// The worker with one bench-only route in front: the Durable Object floor that collect and decide are
// measured against (test/bench/api.mjs). POST /bench/floor/write and /bench/floor/read read the same
// body as collect, then call a Durable Object per visitor that writes one row, or reads one row.
// Never part of the deployed worker.
import { DurableObject } from 'cloudflare:workers';
import { Hono } from 'hono';
import type { Env } from '../../../worker/env';
import worker from '../../../worker/index';

export * from '../../../worker/index';

interface FloorEnv extends Env {
  FLOOR: DurableObjectNamespace<Floor>;
}

export class Floor extends DurableObject<FloorEnv> {
  constructor(ctx: DurableObjectState, env: FloorEnv) {
    super(ctx, env);
    ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS rows (id TEXT PRIMARY KEY, body TEXT)');
  }
  write(id: string, body: string): number {
    this.ctx.storage.sql.exec('INSERT OR REPLACE INTO rows (id, body) VALUES (?, ?)', id, body);
    return 1;
  }
  read(): number {
    return this.ctx.storage.sql.exec('SELECT id FROM rows LIMIT 1').toArray().length;
  }
}

const floor = new Hono<{ Bindings: FloorEnv }>()
  .post('/bench/floor/write', async (c) => {
    const body = JSON.parse(await c.req.text()) as { vid: string; events?: Array<{ id: string }> };
    const stub = c.env.FLOOR.get(c.env.FLOOR.idFromName(body.vid));
    return c.json({ written: await stub.write(body.events?.[0]?.id ?? body.vid, JSON.stringify(body)) });
  })
  .post('/bench/floor/read', async (c) => {
    const body = JSON.parse(await c.req.text()) as { vid: string };
    const stub = c.env.FLOOR.get(c.env.FLOOR.idFromName(body.vid));
    return c.json({ read: await stub.read() });
  });

export default {
  ...worker,
  fetch(request: Request, env: FloorEnv, ctx: ExecutionContext): Response | Promise<Response> {
    if (new URL(request.url).pathname.startsWith('/bench/floor/')) return floor.fetch(request, env, ctx);
    return worker.fetch(request, env, ctx);
  },
};
