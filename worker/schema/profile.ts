// What GET /v1/profile/:site/:vid answers: the visitor's engine state and its latest events.
import * as z from '../lib/zod';
import { VisitorState } from '../engine/state';
import { Event } from './events';

export const StoredEventView = z.strictObject({
  id: z.string(),
  type: z.string(),
  /** Server-corrected time of the event (ms). */
  at: z.number(),
  /** When the worker received it (ms). */
  received: z.number(),
  event: Event,
});
export type StoredEventView = z.infer<typeof StoredEventView>;

export const Profile = z.meta(
  z.strictObject({
    site: z.string(),
    /** The visitor id, or `uid:<hash>` for the merged profile of an identified person. */
    vid: z.string(),
    uid: z.nullable(z.string()),
    /** Visitor ids merged into this profile (for a user's profile). */
    linked: z.array(z.string()),
    /** How many events are stored. */
    events: z.number().check(z.int()),
    state: VisitorState,
    /** The latest 50 events, newest first. */
    recent: z.array(StoredEventView),
  }),
  { id: 'Profile' },
);
export type Profile = z.infer<typeof Profile>;

/** What DELETE /v1/profile/:site/:vid answers: what was erased. */
export const Erasure = z.strictObject({
  site: z.string(),
  vid: z.string(),
  erased: z.strictObject({
    /** Events removed from the visitor's (and the merged person's) Durable Objects. */
    events: z.number().check(z.int()),
    /** Every visitor id erased with it (devices linked to the same person). */
    visitors: z.array(z.string()),
    /** Rows removed from the D1 analytics and audience tables, and kept failed webhook deliveries scrubbed of the person. */
    analytics_rows: z.number().check(z.int()),
  }),
});
export type Erasure = z.infer<typeof Erasure>;
