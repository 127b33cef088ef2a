// API-key guard for the profile, audience and stats routes. Keys come from the NB_API_KEY secret,
// comma-separated so a key can be rotated without downtime.
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';
import { ApiError } from './errors';

const encoder = new TextEncoder();

// Compares digests, not the keys, so timing reveals neither the key nor its length.
async function sameSecret(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([given, expected].map((s) => crypto.subtle.digest('SHA-256', encoder.encode(s))));
  return crypto.subtle.timingSafeEqual(a, b);
}

function presentedKey(authorization: string | undefined, header: string | undefined): string | undefined {
  const bearer = authorization?.match(/^Bearer\s+(.+)$/i)?.[1];
  return (bearer ?? header)?.trim() || undefined;
}

export function requireApiKey(): MiddlewareHandler<AppEnv> {
  return async function apiKey(c, next) {
    const keys = (c.env.NB_API_KEY ?? '')
      .split(',')
      .map((k) => k.trim())
      .filter(Boolean);
    const given = presentedKey(c.req.header('authorization'), c.req.header('x-api-key'));
    if (!given) throw new ApiError(401, 'unauthorized', 'an API key is required: send "Authorization: Bearer <key>"');
    let valid = false;
    for (const key of keys) valid = (await sameSecret(given, key)) || valid;
    if (!valid) throw new ApiError(401, 'unauthorized', 'the API key is not valid');
    await next();
  };
}
