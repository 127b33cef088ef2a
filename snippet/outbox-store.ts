// nb-outbox.js, the ES module that nb.js imports only when events wait to be sent again (a failed
// send, a page left before an answer): the outbox in IndexedDB, through idb-keyval, so that what
// waits survives reloads, crashes and offline spells. One record holds the events and each change
// is one read-modify-write transaction, so tabs never lose each other's updates; bounded at CAP
// events, oldest dropped first. Without IndexedDB (some private modes) every change falls back to
// working on an empty outbox: what waits is then sent once more from memory, and nothing throws.
import { createStore, promisifyRequest } from 'idb-keyval';
import { CAP, MARK } from './outbox-keys';
import { store } from './storage';
import type { Event } from './types';

const outbox = createStore('nextbest', 'outbox');

/** Applies `change` to the stored events in one transaction; resolves with the result. */
const edit = (change: (events: Event[]) => Event[]): Promise<Event[]> =>
  // Inside a promise, so that an indexedDB that throws as it is touched rejects rather than throws.
  new Promise<Event[]>((resolve) =>
    resolve(
      (store(MARK, '1'),
      outbox('readwrite', (events) =>
        promisifyRequest<Event[] | undefined>(events.get(0)).then(
          (all) => (events.put((all = change(all || []).slice(-CAP)), 0), all),
        ),
      )),
    ),
  )
    .catch(() => change([]))
    .then((all) => (all[0] || store(MARK, '0'), all));

/**
 * Adds `events` (from the spill) to the outbox, but none it holds already: two looks at the spill
 * may overlap, and a copy added again would sit among the newest and push a newer event out
 * at the cap. Resolves with everything it holds, oldest first.
 */
export const merge = (events: Event[]) =>
  edit((all) => {
    const held = new Set(all.map((e) => e.id));
    return all.concat(events.filter((e) => !held.has(e.id)));
  });

/** Forgets answered events. */
export function remove(events: Event[]): void {
  const ids = events.map((e) => e.id);
  edit((all) => all.filter((e) => !ids.includes(e.id)));
}
