// Refuses a state-changing request that a browser sent from another site (CSRF): the dashboard's
// sign-in and sign-out forms. Sec-Fetch-Site is read first because it survives the pages'
// no-referrer policy, under which a browser sends even a same-origin form post as `Origin: null`;
// without it (older browsers) the Origin must be this one. A client that sends neither is refused
// too (curl: add -H "Origin: <the worker's origin>"). Hono's csrf middleware checks the same
// headers, but only for form content types and answers a bare text 403; this gives our JSON error.
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';
import { ApiError } from './errors';

export function requireSameOrigin(): MiddlewareHandler<AppEnv> {
  return async function sameOrigin(c, next) {
    const fetchSite = c.req.header('sec-fetch-site');
    const sameOrigin = fetchSite ? fetchSite === 'same-origin' : c.req.header('origin') === new URL(c.req.url).origin;
    if (!sameOrigin) throw new ApiError(403, 'cross_site', 'this form is accepted only from the pages of this origin');
    await next();
  };
}
