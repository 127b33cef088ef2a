// What the visitor's Durable Object puts on the events queue for the analytics consumer.
import type { Event } from '../schema/events';

export interface QueuedEvent {
  site: string;
  vid: string;
  /** Server-corrected time of the event (ms), the one rollups bucket by. */
  at: number;
  event: Event;
}
