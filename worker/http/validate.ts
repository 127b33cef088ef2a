// Parses input with a zod schema, or throws the 400 whose message names the first bad path.
import { validator } from 'hono-openapi';
import type * as z from '../lib/zod';
import type { AppEnv } from '../env';
import { describeIssue } from '../schema/issues';
import { ApiError } from './errors';

export function parseOr400<T extends z.ZodMiniType>(schema: T, input: unknown, code = 'invalid_request'): z.infer<T> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw issueError(parsed.error.issues[0], code);
}

function issueError(issue: z.core.$ZodIssue, code: string): ApiError {
  const { path, reason } = describeIssue(issue);
  return new ApiError(400, code, `${path}: ${reason}`, path);
}

/**
 * Middleware that validates the query or the path parameters into `c.req.valid(target)`. Through
 * hono-openapi it also documents them and types them for the client (`$get({ query })`).
 */
export const validated = <T extends 'query' | 'param', S extends z.ZodMiniType>(target: T, schema: S) =>
  validator<S, T, AppEnv, string>(target, schema, (result) => {
    // zod's Standard Schema issues are its own issues, with the path and message describeIssue reads.
    if (!result.success) throw issueError(result.error[0] as z.core.$ZodIssue, 'invalid_request');
  });
