// The bodies of POST /v1/events/:site (events from a lender's own systems: a loan funded, a
// payment, a product closed) and PUT /v1/spend/:site (marketing spend per channel and day).
import * as z from '../lib/zod';
import { ClientId, Event, IdentifyEvent, MAX_EVENTS_PER_BATCH, Slots } from './events';

export const BackOfficeBatch = z
  .strictObject({
    /** The person, as the SHA-256 hex of the site's user id (their merged profile)… */
    uid: z.optional(IdentifyEvent.shape.uid),
    /** …or one visitor (a browser's vid), when the person was never identified. */
    vid: z.optional(ClientId),
    /** Slots to decide for, e.g. the e-mail's or the app's: the answer carries their offers. */
    slots: Slots,
    /** The same shapes as /v1/collect; `ts` is the true time (the sender's clock is trusted). */
    events: z.array(Event).check(z.minLength(1), z.maxLength(MAX_EVENTS_PER_BATCH)),
  })
  .check(
    z.refine((batch) => (batch.uid === undefined) !== (batch.vid === undefined), {
      message: 'expected exactly one of uid and vid',
      path: ['uid'],
    }),
  );
export type BackOfficeBatch = z.infer<typeof BackOfficeBatch>;

const Day = z.iso.date();
const Channel = z.string().check(z.minLength(1), z.maxLength(100));

export const SpendRequest = z.strictObject({
  /** Rows replace what was stored for the same day, source and medium. */
  spend: z
    .array(
      z.strictObject({
        day: Day,
        /** The UTM source and medium the spend bought traffic for (leads are grouped by first touch). */
        source: Channel,
        medium: Channel,
        /** In the rules' lifecycle.currency. */
        amount: z.number().check(z.gte(0), z.lte(1e9)),
      }),
    )
    .check(z.minLength(1), z.maxLength(1000)),
});
export type SpendRequest = z.infer<typeof SpendRequest>;

export const SpendResponse = z.strictObject({ stored: z.number().check(z.int()) });
export type SpendResponse = z.infer<typeof SpendResponse>;
