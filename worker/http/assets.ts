// A static file of dist/ (the snippet, the demo site) through the ASSETS binding, looked up by the
// routed path (without NB_BASE_PATH), with the request's headers so that ETag revalidation works.
import type { Context } from 'hono';
import type { AppEnv } from '../env';

export async function fetchAsset(c: Context<AppEnv>, path: string): Promise<Response> {
  const asset = await c.env.ASSETS.fetch(new Request(new URL(path, c.req.url), { headers: c.req.raw.headers }));
  // A fresh Response: the asset's headers are immutable, and callers add theirs.
  return new Response(asset.body, asset);
}
