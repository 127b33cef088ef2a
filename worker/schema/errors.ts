// The one error body every route answers with: a code to branch on, a message a person can act
// on, and the path of the offending field when there is one.
import * as z from '../lib/zod';

export const ErrorBody = z.meta(
  z.strictObject({
    error: z.strictObject({ code: z.string(), message: z.string(), path: z.optional(z.string()) }),
  }),
  { id: 'Error' },
);
export type ErrorBody = z.infer<typeof ErrorBody>;
