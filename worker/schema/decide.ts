// The body of POST /v1/decide and its answer: decisions without new events.
import * as z from '../lib/zod';
import { ClientId, Name } from './events';
import { Decision } from './decision';

export const DecideRequest = z.strictObject({
  site: Name,
  vid: ClientId,
  slots: z._default(z.array(Name).check(z.maxLength(20)), []),
});
export type DecideRequest = z.infer<typeof DecideRequest>;

export const DecideResponse = z.strictObject({ decisions: Decision });
export type DecideResponse = z.infer<typeof DecideResponse>;
