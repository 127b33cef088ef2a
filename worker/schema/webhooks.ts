// What /v1/webhooks/:site/failed answers: audience webhook deliveries that failed every retry, kept
// with their payload until they are replayed, and what a replay did.
import * as z from '../lib/zod';
import { WebhookPayload } from './audiences';

export const FailedDelivery = z.strictObject({
  delivery_id: z.string().describe('The id the receiver saw on every attempt, and will see on a replay.'),
  audience: z.string(),
  url: z.string().describe('Where the last attempt went.'),
  attempts: z.number().int().describe('Attempts made, replays included.'),
  last_status: z
    .number()
    .int()
    .nullable()
    .describe("The receiver's HTTP status on the last attempt; null when there was no answer."),
  last_error: z.string().describe('Why the last attempt failed.'),
  failed_at: z.number().describe('When the last attempt failed, in ms since the epoch.'),
  payload: WebhookPayload.describe('The body as last sent (a replay sends it again with a new `sent_at`).'),
});
export type FailedDelivery = z.infer<typeof FailedDelivery>;

export const FailedDeliveries = z.strictObject({
  site: z.string(),
  failed: z.array(FailedDelivery).describe('Newest failure first.'),
  /** The cursor of the next page; null on the last one. */
  next: z.string().nullable(),
});
export type FailedDeliveries = z.infer<typeof FailedDeliveries>;

export const Replay = z.strictObject({
  site: z.string(),
  delivery_id: z.string(),
  outcome: z
    .enum(['delivered', 'nothing_to_send'])
    .describe(
      '`delivered`: the receiver answered 2xx; `nothing_to_send`: every member in it was erased since. Either way the delivery is no longer kept.',
    ),
  url: z.string().describe("Where it went: the audience's webhook in the live rules."),
  status: z.number().int().nullable().describe("The receiver's HTTP status; null when nothing was sent."),
});
export type Replay = z.infer<typeof Replay>;
