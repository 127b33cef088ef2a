// Events not yet acknowledged by the server, in localStorage so they survive reloads, crashes
// and offline spells; bounded at CAP events, oldest dropped first. Each batch is stashed as it
// is sent and removed when the server answers.
// Why localStorage rather than IndexedDB (snippet/outbox-idb.ts, `node snippet/build.mjs --idb`):
// its writes are synchronous, so what is stashed while the page is being left is really kept
// (an IndexedDB write started in pagehide does not complete), and it is 156 B gzip smaller,
// without which all features do not fit in 3 KB. Tabs share the key without transactions: a
// rare lost update can only delay an event that also failed to send, never duplicate a count.
import { readJson, store } from './storage';
import type { Event } from './types';

/** 500 events is about 125 KB: hours of a busy visitor offline, well within any quota. */
export const CAP = 500;

const edit = (change: (events: Event[]) => Event[]) =>
  store('nb_outbox', JSON.stringify(change(readJson<Event[]>('nb_outbox', [])).slice(-CAP)));

export const stash = (events: Event[]) => edit((all) => all.concat(events));

/** Stashing is synchronous already, so leaving the page needs nothing else. */
export const spill = stash;

export function remove(events: Event[]): void {
  const ids = events.map((e) => e.id);
  edit((all) => all.filter((e) => !ids.includes(e.id)));
}

export const pending = async (): Promise<Event[]> => readJson('nb_outbox', []);
