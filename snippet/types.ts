// Wire types shared with the worker: types only, so no zod reaches the browser bundle.
import type { Event } from '../worker/schema/events';

export type { Event } from '../worker/schema/events';
export type { Decision, OfferDecision } from '../worker/schema/decision';
export type { CollectResponse } from '../worker/schema/collect';

/** Omit over each member of a union (plain Omit would merge the event types into one). */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** An event before the transport stamps its id and timestamp. */
export type Draft = DistributiveOmit<Event, 'id' | 'ts'>;

/** Compile-time feature flags (esbuild `define` in build.mjs); false strips the feature. */
declare global {
  const NB_FORMS: boolean;
  const NB_BANNERS: boolean;
  const NB_OUTBOX: boolean;
  const NB_SPA: boolean;
}
