// Batches events and sends them as text/plain (no CORS preflight): fetch with keepalive while
// the page lives, sendBeacon when it is hidden or leaving. A batch goes to the outbox when its
// send fails; one still unanswered when the page is hidden or left is spilled synchronously (and
// sent again by the next page), so a failed send or a closed tab loses nothing.
// Retries back off exponentially (1 s doubling to 256 s) and resume when the browser is online.
// The server deduplicates by event id, so a batch that is sent twice is counted once. Events are
// scrubbed of personal data by the rule the worker applies too, before they are queued.
import { scrubEvent } from '../worker/lib/scrub';
import { debug, endpoint, optIn, site } from './config';
import { allowed, settings } from './consent';
import { sid, touch, vid } from './ids';
import { pending, remove, stash } from './outbox';
import { slots } from './slots';
import { uid } from './storage';
import type { CollectResponse, Decision, Draft, Event } from './types';

const url = endpoint + '/v1/collect';
const queue: Event[] = [];
let timer: ReturnType<typeof setTimeout> | undefined;
let retryTimer: ReturnType<typeof setTimeout>;
let failures = 0;
/** Batches of this page sent and not yet answered, nor stored after a failure, in the order sent. */
const unanswered = new Set<Event[]>();
/**
 * Keeps every unanswered batch, oldest first, so that the outbox keeps the order events were made
 * in (failures come back in any order): one answered later is then removed from it again.
 */
const keep = () => (stash([...unanswered].flat()), unanswered.clear());
/** Set when the worker refused this page's origin: nothing more is sent from this page. */
let refused: unknown;
/** Opt-in: the landing page view (its UTM and click ids with it), kept in memory until the visitor answers. */
let held: Draft | undefined;

/**
 * Called with each decision the server answers (the entry adds the banners), each in a task of its
 * own: rendering is no part of sending, so a banner that throws is not a failed send.
 */
export const decided: Array<(decision: Decision) => void> = [];

export const dropHeld = () => (held = undefined);

export function push(draft: Draft): void {
  if (refused) return;
  if (!allowed('analytics')) {
    if (optIn && draft.type == 'page') held ||= draft;
  } else {
    const landing = held;
    held = undefined;
    if (landing) push(landing);
    const ts = Date.now();
    touch(ts);
    // The ad platforms' cookies (read only with ads consent) go as they are: the scrub would mask
    // their timestamps, and the worker keeps only values of the platforms' own shapes.
    queue.push({ id: uid(), ts, ...scrubEvent(draft), ...(draft.type == 'page' && { ad_cookies: draft.ad_cookies }) } as Event);
    // A page view goes in the next task, with all that is queued (flush cancels the batch timer),
    // so that its decision (the banner) arrives within one round trip. A burst is sent in
    // batches of 20 as it grows: the server takes at most 100 events a batch.
    if (queue.length > 19) flush();
    else if (draft.type == 'page') setTimeout(flush);
    else timer ||= setTimeout(flush, 1000);
  }
}

function body(events: Event[]): string {
  // The server ignores slot names it cannot use, so the page's markup is sent as it is.
  const names = allowed('personalization') ? slots().map((e) => e.dataset.nbSlot!) : [];
  return JSON.stringify({
    site,
    vid,
    sid,
    sent_at: Date.now(),
    slots: names,
    consent: settings(),
    debug: debug || undefined,
    events,
  });
}

/**
 * Sends the queue; `leaving` uses sendBeacon, whose answer cannot be read but survives unload,
 * unless sends have been failing or the browser knows it is offline: then the outbox keeps them.
 */
export function flush(leaving?: unknown): void {
  const events = queue.splice(0);
  timer = void clearTimeout(timer);
  if (NB_OUTBOX && leaving) keep();
  if (events[0] && !(leaving && !failures && navigator.onLine && navigator.sendBeacon(url, body(events))))
    leaving ? NB_OUTBOX && stash(events) : send(events);
}

function send(events: Event[], draining?: unknown): void {
  if (!draining) unanswered.add(events);
  fetch(url, { method: 'POST', body: body(events), keepalive: true })
    .then((response) => {
      // 429 and up (rate limited, server errors) stay in the outbox; the lower 4xx clear it, since
      // sending the same again would not help (bad input, a refused origin, too large).
      if (response.status > 428) throw 0;
      // An origin the site's rules do not list (collect's only 403): the worker says how to fix it;
      // retrying would not help.
      if (response.status == 403) response.json().then(({ error }) => !refused && console.warn('nb', (refused = error.message)));
      // Only a batch from the outbox is in it: this page's own batches go there when they fail.
      if (NB_OUTBOX) unanswered.delete(events) || remove(events);
      // Back online, or an outbox chunk went through: go on draining.
      if (NB_OUTBOX && (failures || draining)) ((failures = 0), retry());
      // 204 (a bot, or nothing to decide) has no body.
      return response.status == 200 && response.json();
    })
    .then((answer?: CollectResponse) => answer && decided.map((show) => setTimeout(show, 0, answer.decisions)))
    .catch(() => {
      clearTimeout(retryTimer);
      if (NB_OUTBOX) {
        if (unanswered.has(events)) (keep(), pending());
        retryTimer = setTimeout(retry, 1e3 << Math.min(failures++, 8));
      }
    });
}

/**
 * Sends the oldest 50 outbox events (one may be in flight from this page already: the server
 * dedups it), once this page has sent something itself, so never without consent.
 */
export function retry(): void {
  pending()?.then((events) => vid && events[0] && send(events.slice(0, 50), 1));
}
