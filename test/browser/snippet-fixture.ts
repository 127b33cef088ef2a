// Shared set-up for the snippet's real-browser tests: test pages served on the worker's own origin
// (by request interception, so the real /nb.js and the real /v1/collect answer), every collect
// body recorded, and polling of the visitor's profile on the real worker.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { PATIENCE_MS, type RunningWorker } from './harness';

export interface Sent {
  site: string;
  vid: string;
  sid?: string;
  slots?: string[];
  events: Array<{ id: string; type: string; [field: string]: unknown }>;
}

export interface Profile {
  events: number;
  state: { counters: Record<string, number> };
  recent: Array<{ id: string; type: string; event: Record<string, unknown> }>;
}

/** The pasted tag, as README prints it, with extra data-* attributes. */
export function tag(attributes = ''): string {
  return `<script async src="/nb.js" data-site="demo" ${attributes}></script>
<script>window.nb=window.nb||function(){(nb.q=nb.q||[]).push(arguments)}</script>`;
}

export function html(body: string, options: { head?: string; title?: string; attributes?: string } = {}): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${options.title ?? 'Test page'}</title>${options.head ?? ''}
${tag(options.attributes)}</head><body>${body}</body></html>`;
}

export interface Site {
  context: BrowserContext;
  page: Page;
  /** Every /v1/collect body the snippet sent (fetch and sendBeacon) from any page of this site, parsed. */
  bodies(): Promise<Sent[]>;
  /** The same bodies as raw text, for leak checks. */
  raw(): Promise<string[]>;
  /** The events sent, each id once (a retry may send one again), optionally of one type. */
  events(type?: string): Promise<Sent['events']>;
  vid(): Promise<string>;
}

const LOG = '__nbtest_sent';

// Playwright sees neither a sendBeacon from a page being left nor a binding called then, so each
// body is logged synchronously into localStorage (a reference taken before any test script can
// break it), where the next page of the same origin reads it back.
const recorder = `(() => {
  const store = (window.__nbtestStore = window.localStorage);
  const { getItem, setItem } = Storage.prototype;
  const log = (body) => { try { setItem.call(store, '${LOG}', JSON.stringify([...JSON.parse(getItem.call(store, '${LOG}') || '[]'), String(body)])); } catch {} };
  const beacon = navigator.sendBeacon.bind(navigator);
  navigator.sendBeacon = (url, body) => (String(url).endsWith('/v1/collect') && log(body), beacon(url, body));
  const fetch = window.fetch.bind(window);
  window.fetch = (input, init) => (String(input).endsWith('/v1/collect') && log(init && init.body), fetch(input, init));
})()`;

/**
 * A browser context whose pages under `${worker.url}/t/` come from `pages` (path → HTML); all other
 * requests go to the real worker. `init` runs in every page before any of its scripts.
 */
export async function openSite(
  browser: Browser,
  worker: RunningWorker,
  pages: Record<string, string>,
  options: { init?: string; contextOptions?: Parameters<Browser['newContext']>[0] } = {},
): Promise<Site> {
  const context = await browser.newContext(options.contextOptions);
  await context.addInitScript(recorder);
  if (options.init) await context.addInitScript(options.init);
  await context.route(`${worker.url}/t/**`, (route) => {
    const path = new URL(route.request().url()).pathname.slice(3);
    const body = pages[path];
    return body === undefined
      ? route.fulfill({ status: 404, body: 'no such test page' })
      : route.fulfill({ contentType: 'text/html', body });
  });
  const page = await context.newPage();
  const raw = async (): Promise<string[]> => {
    // The test may have made window.localStorage throw: read through the recorder's reference.
    const logged = await page.evaluate(
      (key) => (window as unknown as { __nbtestStore: Storage }).__nbtestStore.getItem(key),
      LOG,
    );
    return JSON.parse(logged || '[]') as string[];
  };
  const bodies = async () =>
    (await raw()).flatMap((text) => {
      try {
        return [JSON.parse(text) as Sent];
      } catch {
        return [];
      }
    });
  return {
    context,
    page,
    raw,
    bodies,
    // Retries may send an event again (the server dedups by id): each id once, in first-sent order.
    events: async (type) => {
      const all = (await bodies()).flatMap((body) => body.events).filter((event) => !type || event.type == type);
      return all.filter((event, index) => all.findIndex((other) => other.id == event.id) == index);
    },
    vid: () => page.waitForFunction(() => localStorage.getItem('nb_vid')).then((handle) => handle.jsonValue() as Promise<string>),
  };
}

/** Polls the profile until `done` holds (or PATIENCE_MS pass), and returns it. */
export async function profileWhen(worker: RunningWorker, vid: string, done: (profile: Profile) => boolean): Promise<Profile> {
  const deadline = Date.now() + PATIENCE_MS;
  for (;;) {
    const response = await worker.profile('demo', vid);
    const profile = response.ok ? ((await response.json()) as Profile) : undefined;
    if ((profile && done(profile)) || Date.now() > deadline) {
      if (!profile) throw new Error(`profile answered ${response.status}`);
      return profile;
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Ids that occur more than once. */
export const repeated = (ids: string[]) => ids.filter((id, index) => ids.indexOf(id) != index);

/**
 * The ids of the events waiting to be sent again: the page's IndexedDB outbox (database
 * "nextbest"), in stored order, then what the spill (localStorage "nb_spill") holds that the outbox
 * does not yet (offline, where nb-outbox.js may not load, failed sends wait there). Read with the
 * plain IndexedDB and storage APIs, so the check does not share the snippet's code.
 */
export async function outboxIds(page: Page): Promise<string[]> {
  const stored = await page.evaluate(
    () =>
      new Promise<string[]>((resolve, reject) => {
        const open = indexedDB.open('nextbest');
        // No database yet: abort rather than create an empty one the snippet would then not set up.
        open.onupgradeneeded = () => open.transaction!.abort();
        open.onerror = () => (open.error?.name == 'AbortError' ? resolve([]) : reject(open.error));
        open.onsuccess = () => {
          const db = open.result;
          const store = db.objectStoreNames.item(0);
          if (!store) return (db.close(), resolve([]));
          const all = db.transaction(store).objectStore(store).getAll();
          all.onsuccess = () => {
            db.close();
            const events = (all.result as unknown[]).flat() as Array<{ id: string }>;
            resolve(events.map((event) => event.id));
          };
        };
      }),
  );
  const spilled = await page.evaluate(() =>
    (JSON.parse(localStorage.getItem('nb_spill') || '[]') as Array<{ id: string }>).map((e) => e.id),
  );
  return [...stored, ...spilled.filter((id) => !stored.includes(id))];
}
