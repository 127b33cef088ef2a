// GET /v1/stats/:site?from&to&metric (API key): the site's KPIs over a range of UTC days, as JSON.
// `metric` picks sections (traffic, forms, offers, stages, audiences, other; all by default).
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env';
import { requireApiKey } from '../http/auth';
import { siteRules } from '../http/site';
import { parseOr400 } from '../http/validate';
import { Name } from '../schema/events';
import { loadKpis } from '../dashboard/kpis';
import { RangeQuery } from '../dashboard/range';

const Params = z.strictObject({ site: Name });

export const stats = new Hono<AppEnv>().use('/v1/stats/*', requireApiKey()).get('/v1/stats/:site', async (c) => {
  const { site } = parseOr400(Params, c.req.param());
  const query = parseOr400(RangeQuery, c.req.query());
  const rules = siteRules(c, site, { checkOrigin: false });
  const kpis = await loadKpis(c.env.DB, site, rules.source, query, query.sections);
  c.header('Cache-Control', 'no-store');
  return c.json(kpis);
});
