// GET /v1/stats/:site?from&to|period&metric&source&medium&device&stage&compare (an admin key, or a
// read-only key of the site): the site's KPIs over a range of days in its time zone, as JSON.
// `metric` picks sections (traffic, forms, offers, stages, audiences, other, lifecycle; all by default).
import { Hono } from 'hono';
import * as z from '../lib/zod';
import type { AppEnv } from '../env';
import { requireSiteReader } from '../http/auth';
import { siteRules } from '../http/site';
import { describer, type Operations } from '../http/operation';
import { validated } from '../http/validate';
import { Name } from '../schema/events';
import { loadStats } from '../dashboard/stats';
import { d1ServerTiming, timedD1 } from '../lib/d1-timing';
import { RangeQuery } from '../dashboard/range';
import { Kpis } from '../schema/stats';

const Params = z.strictObject({ site: Name });

export const operations = {
  getStats: {
    tag: 'analytics',
    summary: "The site's KPIs over a range of days in its time zone (rules `timezone`)",
    description: 'An admin key, or a read-only key of this site (NB_DASHBOARD_KEYS).',
    auth: 'apiKey',
    ok: Kpis,
    errors: {
      400: 'Bad site, range or metric',
      401: 'No valid API key',
      403: 'A read-only key of another site',
      404: 'Unknown site',
    },
  },
} satisfies Operations;
const operation = describer<typeof operations>();

export const stats = new Hono<AppEnv>()
  .use('/v1/stats/:site', requireSiteReader())
  .get('/v1/stats/:site', operation('getStats'), validated('param', Params), validated('query', RangeQuery), async (c) => {
    const { site } = c.req.valid('param');
    const query = c.req.valid('query');
    const { rules } = await siteRules(c, site, { checkOrigin: false });
    const d1 = timedD1(c.env.DB);
    const kpis = await loadStats(d1.db, site, rules.source, query);
    c.header('Cache-Control', 'no-store');
    c.header('Server-Timing', d1ServerTiming(d1.elapsed()));
    return c.json(kpis satisfies Kpis, 200);
  });
