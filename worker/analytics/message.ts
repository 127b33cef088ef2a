// What the visitor's Durable Object puts on the events queue for the analytics consumer. The
// visitor builds each message once, after its decision, with everything the rollups key on (the
// visitor hash, the page's channel), so neither the consumer nor the outbox derives them again.
import type { Event } from '../schema/events';
import { parsePage } from '../engine/context';
import { visitorHash } from './visitor-hash';
import type { PersonFacts } from './person';

/** An offer decided for the visitor: shown (a variant, or "-" without variants) or held out. */
export interface QueuedExposure {
  offer: string;
  variant?: string;
  holdout: boolean;
  /** The visitor's context key for this offer's `learn_by` at the decision ("" when it learns one rate). */
  context?: string;
}

/** A page view's first-touch channel, as the engine reads it from the URL's UTM parameters. */
interface QueuedChannel {
  source?: string;
  medium?: string;
}

export interface QueuedEvent {
  site: string;
  vid: string;
  /** visitorHash(site, vid): how the rollups and the outbox's confirmation key this visitor. */
  vh?: string;
  /** Server-corrected time of the event (ms), the one rollups bucket by. */
  at: number;
  event: Event;
  /** The batch's session id (`sid`), when the client sent one; otherwise 30 idle minutes end a session. */
  sid?: string;
  /** On a page view: its UTM source and medium (an empty object for an untagged page). */
  utm?: QueuedChannel;
  /** On a page view: the device class of the request that sent it (mobile, tablet, desktop), for the dashboard's filter. */
  device?: string;
  /**
   * The offers of the decision answered to this event's batch, holdouts included, on the batch's
   * last new event: the exposures that offer lift compares (a holdout has no impression events).
   */
  offers?: QueuedExposure[];
  /** The lifecycle stage change this event caused, if any. */
  stage?: { from: string; to: string };
  /** The person behind the event after it, for the lifecycle KPIs (person.ts). */
  person?: PersonFacts;
}

/** A message as the visitor builds it now: `vh` always, `utm` on every page view. */
export type KeyedEvent = QueuedEvent & { vh: string };

export function queuedEvent({ device, ...message }: Omit<KeyedEvent, 'utm'>): KeyedEvent {
  const { event } = message;
  return event.type === 'page' ? { ...message, utm: channelOf(event.url), ...(device ? { device } : {}) } : message;
}

/**
 * Messages stored before `vh` and `utm` travelled with them (in the outbox of an object from an
 * older deploy, or in the queue's backlog) get them here; the stored row keeps its shape.
 */
export async function keyed(message: QueuedEvent): Promise<KeyedEvent> {
  const vh = await hashOf(message);
  const { event } = message;
  if (event.type === 'page' && !message.utm) return { ...message, vh, utm: channelOf(event.url) };
  return { ...message, vh };
}

/** A message's visitor hash: the one it carries, else (an older message) derived again. */
export async function hashOf({ site, vid, vh }: Pick<QueuedEvent, 'site' | 'vid' | 'vh'>): Promise<string> {
  return vh ?? visitorHash(site, vid);
}

function channelOf(url: string): QueuedChannel {
  // The engine's reading of the URL (cached there), so the channel is the one its first_touch sees.
  const utm = parsePage(url)?.utm;
  return { ...(utm?.source ? { source: utm.source } : {}), ...(utm?.medium ? { medium: utm.medium } : {}) };
}
