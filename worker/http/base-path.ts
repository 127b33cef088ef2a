// Serving under a path prefix of the main site (a route such as www.lender.com/nb/*), so that the
// snippet and its requests are first-party: NB_BASE_PATH names the prefix. The app routes on the
// path after it (Hono's getPath below), pages link relatively, and the few absolute URLs the worker
// writes (redirects, the tag the dashboard shows) start with basePath(c). A request outside the
// prefix (the workers.dev address) is routed as it is, so the worker answers there too.
import type { Context } from 'hono';
import { getPath } from 'hono/utils/url';
import type { AppEnv } from '../env';

/** The configured prefix as "/nb": one leading slash, none trailing; "" when unset. */
function normalize(base: string | undefined): string {
  const trimmed = (base ?? '').replace(/^\/+|\/+$/g, '');
  return trimmed ? `/${trimmed}` : '';
}

/** The prefix this path came under ("" when none) and the path the app routes on. */
export function splitBasePath(path: string, configured: string | undefined): { base: string; path: string } {
  const base = normalize(configured);
  if (base && (path === base || path.startsWith(`${base}/`))) return { base, path: path.slice(base.length) || '/' };
  return { base: '', path };
}

/** Hono's `getPath` option: the request's path with the prefix removed. */
export function routedPath(request: Request, options?: { env?: { NB_BASE_PATH?: string } }): string {
  return splitBasePath(getPath(request), options?.env?.NB_BASE_PATH).path;
}

/** The prefix the current request came under, for absolute links back to this worker. */
export function basePath(c: Context<AppEnv>): string {
  return splitBasePath(getPath(c.req.raw), c.env.NB_BASE_PATH).base;
}
