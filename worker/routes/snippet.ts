// GET /nb.js: the built snippet from static assets, and the ES modules it imports when a page needs
// them (nb-banners.js, nb-identify.js, nb-outbox.js). Sites paste the unversioned URL, so each may be cached for
// an hour and revalidated in the background; the ETag makes revalidation cheap. The modules are
// imported across origins (the page's to ours), which CORS must allow.
import { Hono, type Context } from 'hono';
import type { AppEnv } from '../env';
import { fetchAsset } from '../http/assets';
import { describer, type Operation } from '../http/operation';

export const snippet = new Hono<AppEnv>();

const FILES = [
  ['/nb.js', 'getSnippet', 'The browser snippet'],
  ['/nb-banners.js', 'getSnippetBanners', "The snippet's banner renderer, imported when a decision has a banner to show"],
  ['/nb-identify.js', 'getSnippetIdentify', "The snippet's identifier hashing, imported by an identify with an e-mail or phone"],
  ['/nb-outbox.js', 'getSnippetOutbox', "The snippet's IndexedDB outbox, imported when events wait to be sent again"],
] as const;

type File = (typeof FILES)[number];

/** Every file's operation, built only when `npm run openapi` asks (pure, so the worker leaves it out). */
/* @__NO_SIDE_EFFECTS__ */
function fileOperations(): Record<File[1], Operation> {
  const entry = ([, id, what]: File) => [
    id,
    {
      tag: 'meta',
      summary: `${what}, cached for an hour and revalidated in the background`,
      auth: 'none',
      ok: { type: 'text/javascript', description: what },
      errors: {},
    } satisfies Operation,
  ];
  return Object.fromEntries(FILES.map(entry));
}

export const operations = fileOperations();
const operation = describer<typeof operations>();

for (const [path, id] of FILES) {
  snippet.get(path, operation(id), async (c: Context<AppEnv>) => {
    const response = await fetchAsset(c, path);
    if (response.ok) {
      response.headers.set('Cache-Control', 'public, max-age=3600, stale-while-revalidate=86400');
      response.headers.set('Access-Control-Allow-Origin', '*');
    }
    return response;
  });
}
