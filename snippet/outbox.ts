// Events not yet acknowledged by the server. A batch is sent first and kept only when its send
// fails or the page is left before its answer: a page whose sends go through never loads the
// IndexedDB outbox, which costs more main-thread time than the rest of the boot. What must be kept
// goes first to localStorage (the spill), which is synchronous: IndexedDB writes started while a
// page is being left do not complete (measured in Chromium: a write in pagehide survives closing
// the tab but not a navigation or reload). The next look at what waits (a retry, the next page)
// loads nb-outbox.js (outbox-store.ts) and moves the spill into IndexedDB; offline, where the
// module may not load, the spill keeps it meanwhile.
import { load } from './modules';
import { CAP, MARK } from './outbox-keys';
import { readJson, store } from './storage';
import type { Event } from './types';

const SPILL = 'nb_spill';
const spill = (change: (events: Event[]) => Event[]) => store(SPILL, JSON.stringify(change(readJson<Event[]>(SPILL, []))));
const idb = () => load<typeof import('./outbox-store')>('nb-outbox.js');

/** Keeps events at once, in the spill (the newest CAP). */
export const stash = (events: Event[]) => spill((all) => all.concat(events).slice(-CAP));

/** Forgets answered events of the outbox (only the outbox's own are answered after it was loaded). */
export const remove = (events: Event[]) => idb().then((outbox) => outbox.remove(events));

/** Whether anything waits: events in the spill (given, or read now), or the outbox marked as not empty. */
export const waits = (spilled = readJson<Event[]>(SPILL, [])) => spilled[0] || store(MARK) == '1';

/**
 * Everything waiting to be sent, when anything waits: the spilled events moved into the outbox
 * first, and then taken from the spill (only those: more may have been spilled meanwhile). A batch
 * spilled while unanswered and answered since is sent again: the server counts it once.
 */
export function pending(): Promise<Event[]> | undefined {
  const spilled = readJson<Event[]>(SPILL, []);
  if (waits(spilled)) {
    // Taken by id: the spill may have changed meanwhile (more spilled, the oldest dropped at the cap).
    const moved = new Set(spilled.map((e) => e.id));
    return idb()
      .then((outbox) => outbox.merge(spilled))
      .then(
        (all) => (spill((now) => now.filter((e) => !moved.has(e.id))), all),
        () => [],
      );
  }
}
