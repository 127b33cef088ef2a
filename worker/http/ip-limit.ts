// Per-address rate limit through the Workers rate-limiting binding. The key is a salted SHA-256 of
// the address and the UTC day, so it rotates daily and cannot be reversed into the IP.
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';
import { ApiError } from './errors';
import { sha256Hex } from '../lib/hex';
import { utcDate } from '../lib/time';

/** The limiter's key for an address on the day of `now`. */
export const addressKey = (env: Pick<AppEnv['Bindings'], 'NB_IP_SALT'>, ip: string, now: number): Promise<string> =>
  sha256Hex(`${env.NB_IP_SALT ?? 'nextbest'}|${utcDate(now)}|${ip}`, 12);

export function limitAddress(): MiddlewareHandler<AppEnv> {
  return async function addressRateLimit(c, next) {
    const limiter = c.env.IP_LIMITER;
    if (limiter && c.env.NB_RATE_LIMIT_IP !== 'off') {
      const ip = c.req.header('cf-connecting-ip') ?? c.req.header('x-real-ip') ?? 'unknown';
      const { success } = await limiter.limit({ key: await addressKey(c.env, ip, Date.now()) });
      if (!success) {
        throw new ApiError(429, 'rate_limited', 'too many requests from this address; retry in 10 s', undefined, {
          'Retry-After': '10',
        });
      }
    }
    await next();
  };
}
