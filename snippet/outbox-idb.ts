// The outbox in IndexedDB instead of localStorage (see outbox.ts for why that is the default):
// built with `node snippet/build.mjs --idb`, about 160 B gzip more. Same interface. IndexedDB writes
// started while the page is being left do not complete, so what cannot be sent then is spilled
// to localStorage (synchronous) and merged into the outbox by the next page. Without IndexedDB
// (some private modes) failed sends are lost, and nothing throws.
// Hand-written instead of idb-keyval: one read-modify-write transaction is all we need, and
// idb-keyval's get/update/createStore cost about 210 B gzip more (3,336 B in all, measured).
import { readJson, store } from './storage';
import type { Event } from './types';

/** 1,000 events is about 250 KB: weeks of a busy visitor offline, small enough for any quota. */
export const CAP = 1000;

type Edit = (events: Event[]) => Event[];

/** Applies `edit` to the stored events in one transaction; resolves with the result. */
function idb(edit: Edit): Promise<Event[]> {
  // A missing or throwing indexedDB rejects here, inside the executor.
  return new Promise((resolve, reject) => {
    const open = indexedDB.open('nextbest');
    open.onupgradeneeded = () => open.result.createObjectStore('outbox');
    open.onerror = reject;
    open.onsuccess = () => {
      // A connection per call (one per batch), left for the garbage collector to close.
      const outbox = open.result.transaction('outbox', 'readwrite').objectStore('outbox');
      const read = outbox.get(0);
      read.onsuccess = () => {
        const events = edit(read.result || []).slice(-CAP);
        outbox.put(events, 0);
        resolve(events);
      };
    };
  });
}

/** While the page is being left, IndexedDB would not finish: spill to localStorage instead. */
export function stash(events: Event[], leaving?: unknown): void {
  if (leaving) store('nb_spill', JSON.stringify(readJson<Event[]>('nb_spill', []).concat(events)));
  else idb((all) => all.concat(events)).catch(() => {});
}

export function remove(events: Event[]): void {
  const ids = events.map((e) => e.id);
  idb((all) => all.filter((e) => !ids.includes(e.id))).catch(() => {});
}

/** Everything waiting to be sent, the spilled events moved into the outbox first. */
export function pending(): Promise<Event[]> {
  const spilled = readJson<Event[]>('nb_spill', []);
  store('nb_spill', '[]');
  return idb((all) => all.concat(spilled)).catch(() => spilled);
}
