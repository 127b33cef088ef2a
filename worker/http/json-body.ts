// Middleware that reads a capped JSON (or text/plain) body and validates it with a zod schema.
// Its type declares the route's input, so Hono's typed client (`hc`) knows every body's shape.
import type { MiddlewareHandler } from 'hono';
import type { z } from 'zod';
import type { AppEnv } from '../env';
import { readJsonBody } from './body';
import { parseOr400 } from './validate';

/**
 * `Declared` is the body a client should send (what the typed client checks); `schema` is what the
 * route enforces, which may be looser (collect validates events one by one to accept good ones).
 */
export function jsonBody<S extends z.ZodType, Declared = z.input<S>>(
  schema: S,
  errorCode = 'invalid_request',
): MiddlewareHandler<AppEnv, string, { in: { json: Declared }; out: { json: z.output<S> } }> {
  return async function validateJsonBody(c, next) {
    c.req.addValidatedData('json', parseOr400(schema, await readJsonBody(c), errorCode) as {});
    await next();
  };
}
