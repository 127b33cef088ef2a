// The one error path: routes throw ApiError; onError turns it into `{error: {code, message, path?}}`
// and answers anything unexpected with a plain 500 that leaks nothing.
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ErrorBody } from '../schema/errors';

export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly path?: string,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

export function errorResponse(c: Context, error: Error): Response {
  if (error instanceof ApiError) {
    const body: ErrorBody = { error: { code: error.code, message: error.message, ...(error.path ? { path: error.path } : {}) } };
    return c.json(body, error.status, error.headers);
  }
  console.error('unhandled error', error);
  const body: ErrorBody = { error: { code: 'internal', message: 'internal error' } };
  return c.json(body, 500);
}
