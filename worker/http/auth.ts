// API-key guard for the profile, audience and stats routes. Keys come from the NB_API_KEY secret,
// comma-separated so a key can be rotated without downtime.
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv, Env } from '../env';
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

/** Whether `given` is one of the configured keys (every key is compared, in constant time). */
export async function keyIsValid(env: Env, given: string | undefined): Promise<boolean> {
  if (!given) return false;
  let valid = false;
  for (const key of (env.NB_API_KEY ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean)) {
    valid = (await sameSecret(given, key)) || valid;
  }
  return valid;
}

/** Whether the request presents a valid key in its Authorization or X-Api-Key header. */
export function hasValidApiKey(c: Context<AppEnv>): Promise<boolean> {
  return keyIsValid(c.env, presentedKey(c.req.header('authorization'), c.req.header('x-api-key')));
}

export function requireApiKey(): MiddlewareHandler<AppEnv> {
  return async function apiKey(c, next) {
    if (!presentedKey(c.req.header('authorization'), c.req.header('x-api-key'))) {
      throw new ApiError(401, 'unauthorized', 'an API key is required: send "Authorization: Bearer <key>"');
    }
    if (!(await hasValidApiKey(c))) throw new ApiError(401, 'unauthorized', 'the API key is not valid');
    await next();
  };
}
