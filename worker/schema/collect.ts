// What /v1/collect answers.
import * as z from '../lib/zod';
import { Decision } from './decision';

export const Rejected = z.strictObject({ index: z.number().check(z.int()), reason: z.string() });

export const CollectResponse = z.strictObject({
  accepted: z.number().check(z.int()),
  /** Event ids already stored: accepted again without counting twice, so retries are safe. */
  duplicates: z.number().check(z.int()),
  rejected: z.array(Rejected),
  decisions: Decision,
});
export type CollectResponse = z.infer<typeof CollectResponse>;
