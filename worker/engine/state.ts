// A visitor's state as the engine keeps it: plain JSON, stored by the Durable Object between events.
export interface VisitorState {
  vid: string;
  first_seen: number;
  last_seen: number;
  counters: { events: number; pages: number; forms: number; tracks: number; offers: number };
}

export function newVisitor(vid: string, now: number): VisitorState {
  return { vid, first_seen: now, last_seen: now, counters: { events: 0, pages: 0, forms: 0, tracks: 0, offers: 0 } };
}
