// What the engine may know of the request itself: a coarse device class, the country Cloudflare
// reports, and Global Privacy Control (an opt-out of sale and sharing: no ad audiences).
import type { Context } from 'hono';
import type { RequestContext } from '../engine';

function deviceOf(userAgent: string | undefined): 'mobile' | 'tablet' | 'desktop' {
  if (!userAgent) return 'desktop';
  if (/ipad|tablet|(android(?!.*mobile))/i.test(userAgent)) return 'tablet';
  if (/mobi|iphone|android/i.test(userAgent)) return 'mobile';
  return 'desktop';
}

function countryOf(request: Request): string | undefined {
  const country = (request as { cf?: { country?: unknown } }).cf?.country;
  return typeof country === 'string' ? country : undefined;
}

export function requestContext(c: Context): RequestContext {
  return {
    device: deviceOf(c.req.header('user-agent')),
    country: countryOf(c.req.raw),
    ...(c.req.header('sec-gpc') === '1' ? { consent: { ads: false } } : {}),
  };
}
