// Per-address rate limit through the Workers rate-limiting binding. The key is a salted SHA-256 of
// the address and the UTC day, so it rotates daily and cannot be reversed into the IP.
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';
import { ApiError } from './errors';

const encoder = new TextEncoder();

async function addressKey(ip: string, salt: string, now: number): Promise<string> {
  const day = new Date(now).toISOString().slice(0, 10);
  const digest = await crypto.subtle.digest('SHA-256', encoder.encode(`${salt}|${day}|${ip}`));
  return [...new Uint8Array(digest, 0, 12)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export function limitAddress(): MiddlewareHandler<AppEnv> {
  return async function addressRateLimit(c, next) {
    const limiter = c.env.IP_LIMITER;
    if (limiter && c.env.NB_RATE_LIMIT_IP !== 'off') {
      const ip = c.req.header('cf-connecting-ip') ?? c.req.header('x-real-ip') ?? 'unknown';
      const { success } = await limiter.limit({ key: await addressKey(ip, c.env.NB_IP_SALT ?? 'nextbest', Date.now()) });
      if (!success) {
        throw new ApiError(429, 'rate_limited', 'too many requests from this address; retry in 10 s', undefined, {
          'Retry-After': '10',
        });
      }
    }
    await next();
  };
}
