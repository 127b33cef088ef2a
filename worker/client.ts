// The typed client for TypeScript consumers: paths, bodies, queries and answers (error bodies
// included) come from the routes themselves through Hono's `hc`, so a changed contract is a compile
// error on the caller's side. Published as `nextbest/client` (npm run build:client).
//   const api = nextbestClient('https://edge.example', { apiKey });
//   const res = await api.v1.decide.$post({ json: { site: 'acme', vid, slots: ['hero'] } });
//   if (res.status === 404) console.warn((await res.json()).error.message);
import { hc } from 'hono/client';
import type { App } from './index';

export type { InferRequestType, InferResponseType } from 'hono/client';

export function nextbestClient(baseUrl: string, options: { apiKey?: string; fetch?: typeof fetch } = {}) {
  return hc<App>(baseUrl, {
    fetch: options.fetch,
    headers: options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : undefined,
  });
}
