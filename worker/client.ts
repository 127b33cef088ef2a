// The typed client for TypeScript consumers: paths, bodies and answers come from the routes
// themselves through Hono's `hc`, so a changed contract is a compile error on the caller's side.
//   const api = nextbestClient('https://edge.example', { apiKey });
//   const res = await api.v1.decide.$post({ json: { site: 'acme', vid, slots: ['hero'] } });
import { hc } from 'hono/client';
import type { App } from './index';

export function nextbestClient(baseUrl: string, options: { apiKey?: string; fetch?: typeof fetch } = {}) {
  return hc<App>(baseUrl, {
    fetch: options.fetch,
    headers: options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : undefined,
  });
}
