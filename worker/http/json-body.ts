// Middleware that reads a capped JSON (or text/plain) body and validates it with a zod schema.
// Its type declares the route's input, so Hono's typed client (`hc`) knows every body's shape, and
// it documents the body in the OpenAPI document (hono-openapi reads it off the route).
import type { MiddlewareHandler } from 'hono';
import { resolver, uniqueSymbol } from 'hono-openapi';
import type * as z from '../lib/zod';
import type { AppEnv } from '../env';
import { MAX_BODY_BYTES, readJsonBody } from './body';
import { parseOr400 } from './validate';

/**
 * `documented` is the body a client should send (what the typed client checks and the document
 * shows); `schema` is what the route enforces, which may be looser (collect validates events one
 * by one to accept the good ones). `maxBytes` raises the cap for the larger bodies of admin routes.
 */
export function jsonBody<S extends z.ZodMiniType, D extends z.ZodMiniType = S>(
  schema: S,
  errorCode = 'invalid_request',
  documented: D = schema as unknown as D,
  maxBytes = MAX_BODY_BYTES,
): MiddlewareHandler<AppEnv, string, { in: { json: z.input<D> }; out: { json: z.output<S> } }> {
  const middleware: MiddlewareHandler<AppEnv> = async function validateJsonBody(c, next) {
    c.req.addValidatedData('json', parseOr400(schema, await readJsonBody(c, maxBytes), errorCode) as {});
    await next();
  };
  const body = { schema: resolver(documented) };
  // text/plain is the same JSON, sent by sendBeacon without a CORS preflight.
  const spec = { requestBody: { required: true, content: { 'application/json': body, 'text/plain': body } } };
  return Object.assign(middleware, { [uniqueSymbol]: { spec } });
}
