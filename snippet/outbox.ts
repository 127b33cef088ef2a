// Events not yet acknowledged by the server, in IndexedDB so they survive reloads and offline
// spells. Bounded at CAP events, oldest dropped first. Without IndexedDB (some private modes)
// nothing is kept: failed sends are then lost, and nothing throws.
// Hand-written instead of idb-keyval: one read-modify-write transaction is all we need, and this
// is about 150 B gzip smaller, which the 3 KB budget could not spare (see README).
import type { Event } from './types';

/** 1,000 events is about 250 KB: weeks of a busy visitor offline, small enough for any quota. */
export const CAP = 1000;

/**
 * Applies `edit` (or nothing) to the stored events in one transaction; resolves with what was
 * there. A connection per call: calls are rare (one per batch) and there is nothing to cache.
 */
function idb(edit?: (events: Event[]) => Event[]): Promise<Event[]> {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open('nextbest');
    open.onupgradeneeded = () => open.result.createObjectStore('outbox');
    open.onsuccess = () => {
      const store = open.result.transaction('outbox', 'readwrite').objectStore('outbox');
      const read = store.get(0);
      read.onsuccess = () => {
        resolve(read.result || []);
        if (edit) store.put(edit(read.result || []), 0);
      };
      read.onerror = reject;
      // Closing waits for the transaction to finish.
      open.result.close();
    };
    open.onerror = reject;
  });
}

// A missing or throwing indexedDB rejects (inside the promise executor), so callers only catch.
const change = (edit: (events: Event[]) => Event[]): unknown => idb(edit).catch(() => {});

export const stash = (events: Event[]) => change((all) => all.concat(events).slice(-CAP));

export function remove(events: Event[]): void {
  const ids = events.map((e) => e.id);
  change((all) => all.filter((e) => !ids.includes(e.id)));
}

export const pending = (): Promise<Event[]> => idb().catch(() => []);
