// What GET /v1/profile/:site/:vid answers: the visitor's engine state and its latest events.
import type { VisitorState } from '../engine/state';
import type { Event } from './events';

export interface StoredEventView {
  id: string;
  type: string;
  /** Server-corrected time of the event (ms). */
  at: number;
  /** When the worker received it (ms). */
  received: number;
  event: Event;
}

export interface Profile {
  site: string;
  /** The visitor id, or `uid:<hash>` for the merged profile of an identified person. */
  vid: string;
  uid: string | null;
  /** Visitor ids merged into this profile (for a user's profile). */
  linked: string[];
  /** How many events are stored. */
  events: number;
  state: VisitorState;
  /** The latest 50 events, newest first. */
  recent: StoredEventView[];
}
