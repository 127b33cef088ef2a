// Client clocks are often minutes or hours off. The batch says when the client sent it (`sent_at`,
// on the client's clock); the gap to our receive time corrects every event in that batch.
import { DAY_MS } from '../lib/time';

/**
 * How far back a corrected event time may go. The snippet's offline outbox keeps events until the
 * visitor's next page view with a connection (retrying every 1 s doubling to 256 s while the page
 * stays open), so a visitor back the next day sends yesterday's events; older ones would let a
 * client spread a burst over past days and beat the rules' per-day caps (or date events to 1970),
 * so they are refused, each with its reason, never re-dated.
 */
const MAX_EVENT_AGE_MS = DAY_MS;

export function correctedTime(clientTs: number, sentAt: number, receivedAt: number): number {
  const corrected = clientTs + (receivedAt - sentAt);
  // An event cannot have happened after we received it, whatever the client's clock says.
  return Math.min(Math.max(corrected, 0), receivedAt);
}

/** Why an event's corrected time is refused, or null when it is accepted. */
export function staleReason(clientTs: number, sentAt: number, receivedAt: number): string | null {
  const age = receivedAt - correctedTime(clientTs, sentAt, receivedAt);
  if (age <= MAX_EVENT_AGE_MS) return null;
  return `happened ${Math.round(age / 3_600_000)} h before it was received (by ts and sent_at); at most ${MAX_EVENT_AGE_MS / 3_600_000} h is accepted`;
}
