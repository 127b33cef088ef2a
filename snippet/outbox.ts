// Events not yet acknowledged by the server, in localStorage so they survive reloads, crashes
// and offline spells; bounded at CAP events, oldest dropped first. Each batch is stashed as it
// is sent and removed when the server answers.
// Why localStorage rather than IndexedDB (snippet/outbox-idb.ts on idb-keyval, `node
// snippet/build.mjs --idb`): its writes are synchronous, so what is stashed while the page is
// being left is really kept (an IndexedDB write started in pagehide does not survive a
// navigation in Chromium), and it is about 250 B gzip smaller, without which all features do
// not fit in 3,000 B (the IndexedDB build is 3,211 B). Tabs share the key without
// transactions: two tabs writing in the same instant can lose one's update, which matters only
// for an event whose send also failed. A resent event is never counted twice (server dedup).
import { readJson, store } from './storage';
import type { Event } from './types';

/** 500 events is about 125 KB: hours of a busy visitor offline, well within any quota. */
export const CAP = 500;

const edit = (change: (events: Event[]) => Event[]) =>
  store('nb_outbox', JSON.stringify(change(readJson<Event[]>('nb_outbox', [])).slice(-CAP)));

/** Synchronous, so it holds while the page is being left (`leaving` needs nothing special). */
export const stash = (events: Event[], leaving?: unknown) => edit((all) => all.concat(events));

export function remove(events: Event[]): void {
  const ids = events.map((e) => e.id);
  edit((all) => all.filter((e) => !ids.includes(e.id)));
}

/** Async like the IndexedDB variant's, so the transport does not care which one it has. */
export const pending = async (): Promise<Event[]> => readJson('nb_outbox', []);
