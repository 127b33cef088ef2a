// The dashboard. GET /dashboard?site&from&to|period&source&medium&device&stage: the KPIs as a page
// with charts, compared with the previous period, for a signed-in browser (or a key in the
// Authorization header). GET /dashboard/csv?…&table: one of its tables as a CSV download. POST /dashboard/login: the sign-in form posts the key once
// and gets a session cookie (dashboard/session.ts); POST /dashboard/logout clears it. A key never
// travels in a URL, where it would stay in the browser's history and in proxies' logs. A range the
// page cannot show gets the page saying what to change (the JSON API answers that with a plain 400).
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import * as z from '../lib/zod';
import type { AppEnv } from '../env';
import { presentedKey } from '../http/auth';
import { ApiError } from '../http/errors';
import { basePath } from '../http/base-path';
import { limitAddress } from '../http/ip-limit';
import { accessOfKey, canSee, type Access } from '../http/keys';
import { requireSameOrigin } from '../http/same-origin';
import { siteIds, siteRules } from '../http/site';
import { describer, type Operations } from '../http/operation';
import { parseOr400 } from '../http/validate';
import { Name } from '../schema/events';
import { describeIssue } from '../schema/issues';
import { dashboardPage, loginPage, rangeErrorPage, siteErrorPage } from '../dashboard/page';
import { RangeQuery, StatsQuery } from '../dashboard/range';
import { loadStats } from '../dashboard/stats';
import { tablesOf, toCsv } from '../dashboard/tables';
import { d1ServerTiming, timedD1 } from '../lib/d1-timing';
import { endSession, readSession, SESSION_HOURS, startSession } from '../dashboard/session';

const DashboardQuery = z.extend(StatsQuery, { site: z.optional(Name) });
const CsvQuery = z.extend(DashboardQuery, { table: z.string().check(z.maxLength(200)) });

/** The query as the page's form sends it: a filter left blank is no filter. */
const formQuery = (c: Context<AppEnv>) => Object.fromEntries(Object.entries(c.req.query()).filter(([, value]) => value !== ''));
const LOGIN_MAX_BYTES = 2048;
const enterKey = 'Enter a key.';
const LoginForm = z.object({
  key: z
    .string(enterKey)
    .check(
      z.trim(),
      z.minLength(1, enterKey),
      z.maxLength(500, 'That is too long to be a key (keys have at most 500 characters).'),
    ),
});

const PROBLEMS = {
  none: 'Sign in to see the KPIs.',
  ended: `Your session ended after ${SESSION_HOURS} hours: sign in again.`,
  invalid: 'Your session is no longer valid (the keys may have changed): sign in again.',
  badKey: 'That key is not valid.',
  keyInUrl:
    'A key does not belong in a URL: it stays in the browser history and in logs. Sign in here instead, and consider rotating that key.',
};

// The page reads its query itself (parseOr400): a stray ?key= gets the sign-in page saying why, not
// a JSON 400 from a strict validator.
export const operations = {
  getDashboard: {
    tag: 'analytics',
    summary: 'The KPIs as a page with charts',
    description:
      'Query: site, from, to (YYYY-MM-DD), metric. A read-only key sees only its sites. An unknown site answers the JSON error body.',
    auth: 'apiKeyOrSession',
    ok: { type: 'text/html', description: 'The page' },
    errors: {
      400: 'A range the page cannot show, or a key in the URL, said on the page',
      401: 'The sign-in page',
      403: 'A site this key may not see, said on the page',
    },
  },
  getDashboardTable: {
    tag: 'analytics',
    summary: "One of the dashboard's tables as CSV (a download)",
    description:
      'The query of the dashboard plus `table`, the id the page links (daily, top-pages, funnel-<form>, slots, offer-<offer>, stages, channels, audiences).',
    auth: 'apiKeyOrSession',
    ok: { type: 'text/csv', description: 'The table, a header row first' },
    errors: {
      400: 'Bad site, range, filter or table',
      401: 'No session and no valid key',
      403: 'A site this key may not see',
      404: 'No such table for this site and range',
    },
  },
  signInToDashboard: {
    tag: 'analytics',
    summary: 'Sign in with a key posted once (form field `key`); answers 303 to the dashboard with a session cookie',
    auth: 'none',
    empty: { 303: 'Signed in: the session cookie is set' },
    errors: {
      400: 'No key, or one too long, said on the page',
      401: 'A key that is not valid, said on the page',
      403: 'A cross-site post',
      413: 'A form over 2 KB',
      415: 'Not a url-encoded form',
      429: 'Too many requests from this address',
      503: 'No admin key is configured to sign sessions',
    },
  },
  signOutOfDashboard: {
    tag: 'analytics',
    summary: 'Clear the session cookie; answers 303 to the sign-in page',
    auth: 'none',
    empty: { 303: 'Signed out' },
    errors: { 403: 'A cross-site post' },
  },
} satisfies Operations;
const operation = describer<typeof operations>();

const login = (nonce: string, message: string, action: string) =>
  loginPage({ nonce, message, action, sessionHours: SESSION_HOURS });

/** Sets the page's headers and answers the nonce that lets its one inline stylesheet in. */
function pageHeaders(c: Context<AppEnv>): string {
  const nonce = crypto.randomUUID().replaceAll('-', '');
  // Nothing but the stylesheet runs or loads; forms post only here.
  c.header(
    'Content-Security-Policy',
    `default-src 'none'; style-src 'nonce-${nonce}'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
  );
  c.header('Cache-Control', 'no-store');
  return nonce;
}

/** Where the sign-in form posts, or a sign-in leads: absolute, as the form is shown at two depths. */
const dashboardUrl = (c: Context<AppEnv>, path = '') => `${basePath(c)}/dashboard${path}${carriedQuery(c)}`;

/** The site and range of the request's query when they are valid, to carry through signing in. */
function carriedQuery(c: Context<AppEnv>): string {
  const query = c.req.query();
  if (!DashboardQuery.safeParse(query).success) return '';
  const carried = new URLSearchParams(Object.entries(query));
  return carried.size ? `?${carried}` : '';
}

/** Who asks: the access of a key in a header, else of the session cookie; or the problem to show. */
async function whoAsks(c: Context<AppEnv>): Promise<{ access: Access; session: boolean } | { problem: string }> {
  const key = presentedKey(c);
  if (key) {
    const access = await accessOfKey(c.env, key);
    return access ? { access, session: false } : { problem: PROBLEMS.badKey };
  }
  const state = await readSession(c);
  return 'access' in state ? { access: state.access, session: true } : { problem: PROBLEMS[state.problem] };
}

export const dashboard = new Hono<AppEnv>()
  .get('/dashboard', operation('getDashboard'), async (c) => {
    const nonce = pageHeaders(c);
    if (c.req.query('key') !== undefined) return c.html(login(nonce, PROBLEMS.keyInUrl, `${basePath(c)}/dashboard/login`), 400);
    const { site: siteParam, ...rest } = parseOr400(DashboardQuery, formQuery(c));
    const who = await whoAsks(c);
    if ('problem' in who) return c.html(login(nonce, who.problem, dashboardUrl(c, '/login')), 401);
    const visible = (await siteIds(c.env)).filter((s) => canSee(who.access, s));
    const site = siteParam ?? visible[0];
    if (!site)
      throw new ApiError(404, 'unknown_site', 'no site this key may see has a rules file yet: add rules/<site>.json', 'site');
    const frame = { sites: visible, nonce, signedIn: who.session ? who.access.kind : null, site };
    const dates = { from: rest.from ?? '', to: rest.to ?? '' };
    if (!canSee(who.access, site)) return c.html(siteErrorPage({ ...frame, ...dates }, site), 403);
    const { rules } = await siteRules(c, site, { checkOrigin: false });
    const query = RangeQuery.safeParse(rest);
    if (!query.success) {
      // A person picked these dates: the page says what is wrong, in its own frame, where they can fix it.
      const { path, reason } = describeIssue(query.error.issues[0]);
      return c.html(rangeErrorPage({ ...frame, ...dates }, `${path} ${reason}`), 400);
    }
    const d1 = timedD1(c.env.DB);
    const kpis = await loadStats(d1.db, site, rules.source, { ...query.data, compare: true });
    c.header('Server-Timing', d1ServerTiming(d1.elapsed()));
    return c.html(
      dashboardPage({
        ...frame,
        kpis,
        period: query.data.range.period,
        filters: query.data.filters,
        stages: rules.source.stages.map((stage) => stage.id),
        origin: new URL(c.req.url).origin + basePath(c),
      }),
    );
  })
  .get('/dashboard/csv', operation('getDashboardTable'), async (c) => {
    const who = await whoAsks(c);
    if ('problem' in who) throw new ApiError(401, 'unauthorized', who.problem);
    const { site: siteParam, table, ...rest } = parseOr400(CsvQuery, formQuery(c));
    const site = siteParam ?? (await siteIds(c.env)).find((s) => canSee(who.access, s));
    if (!site || !canSee(who.access, site)) throw new ApiError(403, 'forbidden', 'this key may not see that site', 'site');
    const { rules } = await siteRules(c, site, { checkOrigin: false });
    const query = parseOr400(RangeQuery, rest);
    const d1 = timedD1(c.env.DB);
    const kpis = await loadStats(d1.db, site, rules.source, query);
    c.header('Server-Timing', d1ServerTiming(d1.elapsed()));
    const found = tablesOf(kpis).find((t) => t.id === table);
    if (!found)
      throw new ApiError(404, 'unknown_table', `no table "${table}" for ${site} from ${kpis.from} to ${kpis.to}`, 'table');
    c.header('Cache-Control', 'no-store');
    c.header('Content-Disposition', `attachment; filename="${site}-${table}-${kpis.from}-${kpis.to}.csv"`);
    return c.body(toCsv(found), 200, { 'Content-Type': 'text/csv; charset=utf-8' });
  })
  .post(
    '/dashboard/login',
    operation('signInToDashboard'),
    limitAddress(),
    requireSameOrigin(),
    bodyLimit({
      maxSize: LOGIN_MAX_BYTES,
      onError: () => {
        throw new ApiError(413, 'payload_too_large', `the sign-in form is over ${LOGIN_MAX_BYTES} bytes`);
      },
    }),
    async (c) => {
      const nonce = pageHeaders(c);
      const type = (c.req.header('content-type') ?? '').split(';')[0].trim().toLowerCase();
      if (type !== 'application/x-www-form-urlencoded') {
        throw new ApiError(415, 'unsupported_media_type', 'send the sign-in form as application/x-www-form-urlencoded');
      }
      const retry = (message: string, status: 400 | 401 | 503) =>
        c.html(login(nonce, message, dashboardUrl(c, '/login')), status);
      const form = LoginForm.safeParse(Object.fromEntries(new URLSearchParams(await c.req.text())));
      if (!form.success) return retry(form.error.issues[0].message, 400);
      const access = await accessOfKey(c.env, form.data.key);
      if (!access) return retry(PROBLEMS.badKey, 401);
      if (!(await startSession(c, access))) return retry('Signing in needs an admin key to be configured: set NB_API_KEY.', 503);
      return c.redirect(dashboardUrl(c), 303);
    },
  )
  .post('/dashboard/logout', operation('signOutOfDashboard'), requireSameOrigin(), (c) => {
    endSession(c);
    c.header('Cache-Control', 'no-store');
    return c.redirect(`${basePath(c)}/dashboard`, 303);
  });
