// Events not yet acknowledged by the server, in IndexedDB through idb-keyval, so they survive
// reloads, crashes and offline spells; bounded at CAP events, oldest dropped first. One record
// holds the events and each change is one read-modify-write transaction, so tabs never lose
// each other's updates. Each batch is stashed as it is sent and removed when the server answers.
// IndexedDB writes started while the page is being left do not complete (measured in Chromium:
// a write in pagehide survives closing the tab but not a navigation or reload), so what cannot
// be sent then is spilled to localStorage, which is synchronous, and merged by the next page.
// Without IndexedDB (some private modes) every change falls back to working on an empty outbox:
// failed sends are then lost, the spill is still replayed once, and nothing throws.
import { createStore, promisifyRequest } from 'idb-keyval';
import { readJson, store } from './storage';
import type { Event } from './types';

/** 1,000 events is about 250 KB: weeks of a busy visitor offline, small enough for any quota. */
export const CAP = 1000;
const SPILL = 'nb_spill';
const outbox = createStore('nextbest', 'outbox');

/** Applies `change` to the stored events in one transaction; resolves with the result. */
const edit = (change: (events: Event[]) => Event[]): Promise<Event[]> =>
  // Inside a promise, so that an indexedDB that throws as it is touched rejects rather than throws.
  new Promise<Event[]>((resolve) =>
    resolve(
      outbox('readwrite', (events) =>
        promisifyRequest<Event[] | undefined>(events.get(0)).then(
          (all) => (events.put((all = change(all || []).slice(-CAP)), 0), all),
        ),
      ),
    ),
  ).catch(() => change([]));

/** While the page is being left, IndexedDB would not finish: spill to localStorage instead. */
export const stash = (events: Event[], leaving?: unknown) =>
  leaving
    ? store(SPILL, JSON.stringify(readJson<Event[]>(SPILL, []).concat(events).slice(-CAP)))
    : edit((all) => all.concat(events));

export function remove(events: Event[]): void {
  const ids = events.map((e) => e.id);
  edit((all) => all.filter((e) => !ids.includes(e.id)));
}

/** Everything waiting to be sent, the spilled events moved into the outbox first. */
export function pending(): Promise<Event[]> {
  const spilled = readJson<Event[]>(SPILL, []);
  return edit((all) => all.concat(spilled)).then((all) => (store(SPILL, '[]'), all));
}
