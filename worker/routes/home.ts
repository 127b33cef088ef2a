// GET /: where a browser that opens the worker's own address goes.
import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { basePath } from '../http/base-path';
import { demoOn } from '../http/demo';
import { describer, type Operations } from '../http/operation';

export const operations = {
  home: {
    tag: 'meta',
    summary: 'Redirects to the demo site, or to the dashboard where the demo is off',
    auth: 'none',
    empty: { 302: 'To /demo/ or /dashboard' },
    errors: {},
  },
} satisfies Operations;
const operation = describer<typeof operations>();

export const home = new Hono<AppEnv>().get('/', operation('home'), (c) =>
  c.redirect(`${basePath(c)}/${demoOn(c.env) ? 'demo/' : 'dashboard'}`),
);
