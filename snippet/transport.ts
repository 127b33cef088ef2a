// Batches events and sends them as text/plain (no CORS preflight): fetch with keepalive while
// the page lives, sendBeacon when it is hidden or leaving. Each batch is written to the outbox
// before it is sent and removed when the server acknowledges it, so a failed send, a crash or a
// closed tab loses nothing; retries back off exponentially and resume when the browser is online.
// The server deduplicates by event id, so a batch that is sent twice is counted once.
import { endpoint, site } from './config';
import { allowed } from './consent';
import { session, vid } from './ids';
import { pending, remove, stash } from './outbox';
import { uid } from './storage';
import type { CollectResponse, Decision, Draft, Event } from './types';

const url = endpoint + '/v1/collect';
const SLOT = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const queue: Event[] = [];
let timer: ReturnType<typeof setTimeout> | undefined;
let retryTimer: ReturnType<typeof setTimeout> | undefined;
let failures = 0;
let sid = '';

/** Set by the banners module: receives the decisions of each collect response. */
export const received: { render?: (decision: Decision) => void } = {};

export function push(draft: Draft): void {
  if (!allowed('analytics')) return;
  const ts = Date.now();
  sid = session(ts);
  queue.push({ id: uid(), ts, ...draft } as Event);
  // A page view goes at once so that its decision (the banner) arrives within one round trip.
  if (queue.length > 19 || draft.type == 'page') clearTimeout(timer), (timer = setTimeout(flush));
  else timer ||= setTimeout(flush, 1000);
}

function body(events: Event[]): string {
  const slots = allowed('personalization')
    ? [...document.querySelectorAll<HTMLElement>('[data-nb-slot]')].map((e) => e.dataset.nbSlot!).filter((s) => SLOT.test(s))
    : [];
  return JSON.stringify({ site, vid, sid, sent_at: Date.now(), slots: slots.slice(0, 20), events });
}

/** Sends the queue; `leaving` uses sendBeacon, whose answer cannot be read but survives unload. */
export function flush(leaving?: unknown): void {
  clearTimeout(timer);
  timer = undefined;
  const events = queue.splice(0);
  if (!events.length) return;
  if (leaving && !failures && navigator.sendBeacon(url, body(events))) return;
  if (NB_OUTBOX) stash(events);
  if (!leaving) send(events);
}

function send(events: Event[], draining?: boolean): void {
  fetch(url, { method: 'POST', body: body(events), keepalive: true })
    .then((response) => {
      // 4xx will not get better by retrying: drop those; 5xx and 429 stay in the outbox.
      if (response.status > 499 || response.status == 429) throw 0;
      if (NB_OUTBOX) remove(events);
      // Back online, or an outbox chunk went through: go on draining.
      if (failures || draining) (failures = 0), retry();
      return response.ok ? (response.json() as Promise<CollectResponse>) : undefined;
    })
    .then((answer) => answer && received.render?.(answer.decisions))
    .catch(() => {
      clearTimeout(retryTimer);
      if (NB_OUTBOX) retryTimer = setTimeout(retry, Math.min(1e3 * 2 ** failures++, 3e5));
    });
}

/** Sends the oldest 50 outbox events. One may be in flight from this page already: the server dedups it. */
export function retry(): void {
  pending().then((events) => events.length && send(events.slice(0, 50), true));
}
