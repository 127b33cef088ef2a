// Parses input with a zod schema, or throws the 400 whose message names the first bad path.
import type { z } from 'zod';
import { describeIssue } from '../schema/issues';
import { ApiError } from './errors';

export function parseOr400<T extends z.ZodType>(schema: T, input: unknown, code = 'invalid_request'): z.infer<T> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const { path, reason } = describeIssue(parsed.error.issues[0]);
  throw new ApiError(400, code, `${path}: ${reason}`, path);
}
