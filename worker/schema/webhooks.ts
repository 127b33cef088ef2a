// What /v1/webhooks/:site/failed answers: audience webhook deliveries that failed every retry, kept
// with their payload until they are replayed, and what a replay did.
import * as z from '../lib/zod';
import { WebhookPayload } from './audiences';

export const FailedDelivery = z.strictObject({
  delivery_id: z.describe(z.string(), 'The id the receiver saw on every attempt, and will see on a replay.'),
  audience: z.string(),
  url: z.describe(z.string(), 'Where the last attempt went.'),
  attempts: z.describe(z.number().check(z.int()), 'Attempts made, replays included.'),
  last_status: z.describe(
    z.nullable(z.number().check(z.int())),
    "The receiver's HTTP status on the last attempt; null when there was no answer.",
  ),
  last_error: z.describe(z.string(), 'Why the last attempt failed.'),
  failed_at: z.describe(z.number(), 'When the last attempt failed, in ms since the epoch.'),
  payload: z.describe(WebhookPayload, 'The body as last sent (a replay sends it again with a new `sent_at`).'),
});
export type FailedDelivery = z.infer<typeof FailedDelivery>;

export const FailedDeliveries = z.strictObject({
  site: z.string(),
  failed: z.describe(z.array(FailedDelivery), 'Newest failure first.'),
  /** The cursor of the next page; null on the last one. */
  next: z.nullable(z.string()),
});
export type FailedDeliveries = z.infer<typeof FailedDeliveries>;

export const Replay = z.strictObject({
  site: z.string(),
  delivery_id: z.string(),
  outcome: z.describe(
    z.enum(['delivered', 'nothing_to_send']),
    '`delivered`: the receiver answered 2xx; `nothing_to_send`: every member in it was erased since. Either way the delivery is no longer kept.',
  ),
  url: z.describe(z.string(), "Where it went: the audience's webhook in the live rules."),
  status: z.describe(z.nullable(z.number().check(z.int())), "The receiver's HTTP status; null when nothing was sent."),
});
export type Replay = z.infer<typeof Replay>;
