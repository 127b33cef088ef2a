// GET /dashboard?site&from&to (API key): the KPIs as a page with charts; a range it cannot show gets
// the page saying what to change (the JSON API answers that with a plain 400). A browser cannot set
// an Authorization header on a link, so the key may also come as ?key= (then carried by the range
// form); the page sends no Referer, so the key does not leak to other sites through links.
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env';
import { hasValidApiKey, keyIsValid } from '../http/auth';
import { ApiError } from '../http/errors';
import { basePath } from '../http/base-path';
import { siteIds, siteRules } from '../http/site';
import { parseOr400 } from '../http/validate';
import { Name } from '../schema/events';
import { describeIssue } from '../schema/issues';
import { loadKpis } from '../dashboard/kpis';
import { dashboardPage, keyPage, rangeErrorPage } from '../dashboard/page';
import { RangeQuery, StatsQuery } from '../dashboard/range';

const DashboardQuery = StatsQuery.extend({ site: Name.optional(), key: z.string().max(500).optional() });

export const dashboard = new Hono<AppEnv>().get('/dashboard', async (c) => {
  const nonce = crypto.randomUUID().replaceAll('-', '');
  // The page's only inline code is its stylesheet, allowed by nonce; nothing else loads.
  c.header(
    'Content-Security-Policy',
    `default-src 'none'; style-src 'nonce-${nonce}'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
  );
  c.header('Cache-Control', 'no-store');
  c.header('Referrer-Policy', 'no-referrer');
  const { key, site: siteParam, ...rest } = parseOr400(DashboardQuery, c.req.query());
  const viaHeader = !!(c.req.header('authorization') || c.req.header('x-api-key'));
  const authorized = viaHeader ? await hasValidApiKey(c) : await keyIsValid(c.env, key);
  if (!authorized) {
    const message =
      viaHeader || key ? 'That API key is not valid. Enter a key from NB_API_KEY.' : 'Enter an API key to see the KPIs.';
    return c.html(keyPage(nonce, message), 401);
  }
  const served = siteIds(c.env);
  const site = siteParam ?? served[0];
  if (!site) throw new ApiError(404, 'unknown_site', 'no site has a rules file yet: add rules/<site>.json', 'site');
  const rules = siteRules(c, site, { checkOrigin: false });
  const frame = { sites: served, key: viaHeader ? null : (key ?? null), nonce };
  const range = RangeQuery.safeParse(rest);
  if (!range.success) {
    // A person picked these dates: the page says what is wrong, in its own frame, where they can fix it.
    const { path, reason } = describeIssue(range.error.issues[0]);
    return c.html(rangeErrorPage({ ...frame, site, from: rest.from ?? '', to: rest.to ?? '' }, `${path} ${reason}`), 400);
  }
  const kpis = await loadKpis(c.env.DB, site, rules.source, range.data, range.data.sections);
  return c.html(dashboardPage({ ...frame, kpis, origin: new URL(c.req.url).origin + basePath(c) }));
});
