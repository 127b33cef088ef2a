// The security headers every answer carries: hono/secure-headers' defaults, with
// Cross-Origin-Resource-Policy relaxed to cross-origin (the snippet and its modules load on the
// sites' own pages). Written out here rather than imported: that middleware, with builders for
// policies the worker never sets (CSP, permissions, reporting), took 3 KB of a deploy bundle that
// must stay under 100 KB gzip, for eleven constant headers.
import type { MiddlewareHandler } from 'hono';

const HEADERS: ReadonlyArray<readonly [name: string, value: string]> = [
  ['Cross-Origin-Resource-Policy', 'cross-origin'],
  ['Cross-Origin-Opener-Policy', 'same-origin'],
  ['Origin-Agent-Cluster', '?1'],
  ['Referrer-Policy', 'no-referrer'],
  ['Strict-Transport-Security', 'max-age=15552000; includeSubDomains'],
  ['X-Content-Type-Options', 'nosniff'],
  ['X-DNS-Prefetch-Control', 'off'],
  ['X-Download-Options', 'noopen'],
  ['X-Frame-Options', 'SAMEORIGIN'],
  ['X-Permitted-Cross-Domain-Policies', 'none'],
  ['X-XSS-Protection', '0'],
];

export const securityHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  for (const [name, value] of HEADERS) c.res.headers.set(name, value);
  c.res.headers.delete('X-Powered-By');
};
