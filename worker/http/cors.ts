// CORS per site: a page may send events only from an origin its rules list. A preflight does not
// carry the site id (it is in the body), so it is answered for any origin some served site lists;
// the request itself is then checked against its own site's origins.
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';
import { ApiError } from './errors';
import { servedSites } from './site';

function normalize(origin: string): string {
  return new URL(origin).origin;
}

export function preflight(): MiddlewareHandler<AppEnv> {
  return async function corsPreflight(c, next) {
    if (c.req.method !== 'OPTIONS') return next();
    const origin = c.req.header('origin');
    // The demo's origins (localhost) count only where the demo is served.
    const sites = [...(await servedSites(c.env)).values()];
    if (!origin || !sites.some((live) => live.rules.source.origins.some((allowed) => normalize(allowed) === origin))) {
      throw new ApiError(403, 'origin_not_allowed', `origin ${origin ?? '(none)'} is not listed in any site's rules "origins"`);
    }
    return c.body(null, 204, {
      'Access-Control-Allow-Origin': origin,
      'Access-Control-Allow-Methods': 'POST, OPTIONS',
      'Access-Control-Allow-Headers': 'Content-Type',
      'Access-Control-Max-Age': '86400',
      Vary: 'Origin',
    });
  };
}

/** Refuses a browser request from an origin the site does not list; server-side calls send no Origin. */
export function allowSiteOrigin(c: Context, site: string, origins: readonly string[]): void {
  const origin = c.req.header('origin');
  c.header('Vary', 'Origin');
  // Pages the worker serves itself (the demo site) are same-origin, whatever the rules list.
  if (!origin || origin === new URL(c.req.url).origin) return;
  if (!origins.some((allowed) => normalize(allowed) === origin)) {
    // The refusal itself may be read by the page (it holds nothing of anyone's), so that the
    // snippet can name the fix in the console and stop sending instead of retrying in the dark.
    throw new ApiError(
      403,
      'origin_not_allowed',
      `origin ${origin} is not listed in site ${site}'s rules: add "${origin}" to "origins" in rules/${site}.json`,
      undefined,
      { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' },
    );
  }
  c.header('Access-Control-Allow-Origin', origin);
}
