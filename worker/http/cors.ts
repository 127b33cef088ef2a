// CORS per site: a page may send events only from an origin its rules file lists. A preflight does
// not carry the site id (it is in the body), so it is answered for any origin some site lists; the
// request itself is then checked against its own site's origins.
import type { Context, MiddlewareHandler } from 'hono';
import { sites } from '../../rules/sites';
import type { AppEnv } from '../env';
import { DEMO_SITE, demoOn } from './demo';
import { ApiError } from './errors';

function originsOf(siteIds: string[]): Set<string> {
  return new Set(siteIds.flatMap((site) => sites.get(site)!.source.origins.map(normalize)));
}
// The demo's origins (localhost) only where the demo is served.
const originsWithDemo = originsOf([...sites.keys()]);
const originsWithoutDemo = originsOf([...sites.keys()].filter((site) => site !== DEMO_SITE));

function normalize(origin: string): string {
  return new URL(origin).origin;
}

export function preflight(): MiddlewareHandler<AppEnv> {
  return async function corsPreflight(c, next) {
    if (c.req.method !== 'OPTIONS') return next();
    const origin = c.req.header('origin');
    if (!origin || !(demoOn(c.env) ? originsWithDemo : originsWithoutDemo).has(origin)) {
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
    throw new ApiError(403, 'origin_not_allowed', `origin ${origin} is not listed in rules/${site}.json "origins"`);
  }
  c.header('Access-Control-Allow-Origin', origin);
}
