// What the visitor's Durable Object puts on the events queue for the analytics consumer.
import type { Event } from '../schema/events';

/** An offer decided for the visitor: shown (a variant, or "-" without variants) or held out. */
export interface QueuedExposure {
  offer: string;
  variant?: string;
  holdout: boolean;
}

export interface QueuedEvent {
  site: string;
  vid: string;
  /** Server-corrected time of the event (ms), the one rollups bucket by. */
  at: number;
  event: Event;
  /** The batch's session id (`sid`), when the client sent one; otherwise 30 idle minutes end a session. */
  sid?: string;
  /**
   * The offers of the decision answered to this event's batch, holdouts included, on the batch's
   * last new event: the exposures that offer lift compares (a holdout has no impression events).
   */
  offers?: QueuedExposure[];
  /** The lifecycle stage change this event caused, if any. */
  stage?: { from: string; to: string };
}
