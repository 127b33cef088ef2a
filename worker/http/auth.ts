// Key guards for the API routes. Admin keys (NB_API_KEY) open every route; a read-only key
// (NB_DASHBOARD_KEYS) opens only the stats of its own sites, and is refused with a 403 elsewhere.
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';
import { ApiError } from './errors';
import { accessOfKey, canSee, type Access } from './keys';

export function presentedKey(c: Context<AppEnv>): string | undefined {
  const bearer = c.req.header('authorization')?.match(/^Bearer\s+(.+)$/i)?.[1];
  return (bearer ?? c.req.header('x-api-key'))?.trim() || undefined;
}

/** Whether the request presents an admin key in its Authorization or X-Api-Key header. */
export async function hasValidApiKey(c: Context<AppEnv>): Promise<boolean> {
  return (await accessOfKey(c.env, presentedKey(c)))?.kind === 'admin';
}

function requireKey(allows: (access: Access, c: Context<AppEnv>) => boolean, refusal: string): MiddlewareHandler<AppEnv> {
  return async function apiKey(c, next) {
    const key = presentedKey(c);
    if (!key) throw new ApiError(401, 'unauthorized', 'an API key is required: send "Authorization: Bearer <key>"');
    const access = await accessOfKey(c.env, key);
    if (!access) throw new ApiError(401, 'unauthorized', 'the API key is not valid');
    if (!allows(access, c)) throw new ApiError(403, 'forbidden', refusal);
    await next();
  };
}

/** Admin keys only: profiles and their erasure, identify, audiences. */
export const requireApiKey = () =>
  requireKey(
    (access) => access.kind === 'admin',
    'this key is read-only: it opens the dashboard and /v1/stats of its sites, nothing else',
  );

/** An admin key, or a read-only key of the route's :site. */
export const requireSiteReader = () =>
  requireKey(
    (access, c) => canSee(access, c.req.param('site') ?? ''),
    'this key may not read this site: it is a read-only key of another site',
  );
