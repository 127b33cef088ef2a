// What the engine may know of the request itself: a coarse device class, the country Cloudflare
// reports, the consent the page applies (sent with each batch by the snippet), and Global Privacy
// Control or Do Not Track (an opt-out of sale and sharing: no ad audiences, whatever the page says).
import type { Context } from 'hono';
import type { CompiledRules, RequestContext } from '../engine';
import type { BatchEnvelope } from '../schema/events';

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

/** The request as the engine sees it; the country only when the site's rules read it (rules.ts). */
export function requestContext(c: Context, rules: CompiledRules, consent?: BatchEnvelope['consent']): RequestContext {
  const optedOut = c.req.header('sec-gpc') === '1' || c.req.header('dnt') === '1';
  return {
    device: deviceOf(c.req.header('user-agent')),
    ...(rules.readsCountry && { country: countryOf(c.req.raw) }),
    ...(consent || optedOut ? { consent: { ...consent, ...(optedOut && { ads: false }) } } : {}),
  };
}
