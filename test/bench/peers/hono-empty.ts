// The cold-start peer: an empty Hono app, bundled and started as the worker is
// (test/bench/cold-start.mjs). The empty Visitor class only satisfies wrangler.toml's binding.
import { DurableObject } from 'cloudflare:workers';
import { Hono } from 'hono';

export class Visitor extends DurableObject {}

export default new Hono().get('/v1/health', (c) => c.json({ ok: true }));
