// What the deployed worker gets for 'hono-openapi' (wrangler.toml's [alias]): the same middlewares
// with none of the schema conversion. The OpenAPI document is built in Node by `npm run openapi` from
// the real package, so in the worker its resolvers would only drag in zod's JSON Schema code and,
// through a dynamic import of zod's core, every zod locale (about 90 KB gzip). The tests and
// `npm run openapi` resolve the real package; both share its types.
import { sValidator } from '@hono/standard-validator';
import type * as openapi from 'hono-openapi';

/** The key the real package reads its declarations from; nothing reads it in the worker. */
export const uniqueSymbol = Symbol('openapi') as unknown as typeof openapi.uniqueSymbol;

/** The schema itself: only the document generator ever converts it. */
export const resolver = ((schema: unknown) => schema) as unknown as typeof openapi.resolver;

export const validator = ((target, schema, hook) => sValidator(target, schema, hook as never)) as typeof openapi.validator;
