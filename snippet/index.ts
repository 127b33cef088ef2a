// Entry: reads the tag, replays the calls queued before the snippet loaded, replaces window.nb
// with the live function, sends the page view and wires SPA navigation, forms, banners and the
// transport: the modules below it import downwards only (storage and config, then consent, the
// transport, then pages, forms and banners), and what flows back up (a decision to render, a
// consent change to send) is connected here. Nothing here throws into the host page.
import { country, site } from './config';
import { load } from './modules';
import { allowed, setConsent } from './consent';
import { handlers, prepareSlots, show } from './decisions';
import { watchForms } from './forms';
import { page, watchPages } from './pages';
import { waits } from './outbox';
import { hex } from './storage';
import { decided, dropHeld, flush, push, retry } from './transport';

type Props = Record<string, string | number | boolean | null>;
/** A call as the page makes it: the command's name, then arguments that nothing has checked yet. */
type Call = [command: string, ...args: unknown[]];
const w = window as unknown as { nb?: ((...call: Call) => void) & { q?: Call[] }; nbBoot?: number };

/**
 * Only the SHA-256 of the trimmed, lower-cased id leaves the browser. `sig`, the site backend's
 * HMAC-SHA256 of that hash (it lets the worker trust the identify), goes with it as given when it is
 * 64 lower-case hex digits; anything else is left out (the identify then counts as unverified).
 * The traits `email` and `phone` never leave as they are: with ads consent, nb-identify.js hashes
 * them as the ad platforms match them (identifiers.ts); without it, nothing of them goes.
 */
function identify(id: unknown, given?: Props | null, options?: { sig?: unknown } | null): void {
  const { email, phone, ...traits } = given || {};
  const sig = options?.sig as string;
  Promise.all([
    crypto.subtle.digest('SHA-256', new TextEncoder().encode((id + '').trim().toLowerCase())),
    allowed('ads') && (email || phone)
      ? load<typeof import('./identifiers')>('nb-identify.js')
          .then((module) => module.hashed(email, phone, country))
          .catch(() => ({}))
      : {},
  ]).then(([uid, hashes]) =>
    push({ type: 'identify', uid: hex(uid), traits, ...hashes, ...(/^[\da-f]{64}$/.test(sig) && { sig }) }),
  );
}

/**
 * The commands by name. A page may pass anything, so nb() calls them with unchecked arguments (the
 * one cast below): a wrong type at worst makes an event that the server rejects with its reason,
 * and what reaches the DOM or storage is checked where it is used.
 */
const commands: Record<string, (...args: never[]) => unknown> = {
  track: (name: string, props?: Props) => push({ type: 'track', name, props }),
  identify,
  consent: (update: Parameters<typeof setConsent>[0]) => {
    const settings = setConsent(update);
    // Refused: an opt-in page's landing view, held for the answer, is dropped; granted, it goes first.
    if (settings) (settings.analytics || dropHeld(), push({ type: 'track', name: 'consent', props: settings }));
  },
  page: () => page(1),
  on: (kind: string, handler: (detail: unknown) => void) => handlers[kind].push(handler),
};

function nb(...[command, ...args]: Call): void {
  try {
    (commands[command] as (...args: unknown[]) => unknown)(...args);
  } catch (error) {
    // An unknown command lands here too (undefined is not a function): one warning, no exception.
    console.warn('nb', command, error);
  }
}

// Boot runs in tasks of its own, so loading never adds a long task (a page's first localStorage
// read and first fetch cost about 1.3 ms each in Chromium): the script itself only reads its tag
// (which must happen now); then slots are hidden (the first storage read: consent); then the
// queued calls are replayed, nb goes live and the page view is queued; the transport sends it in
// a task of its own. Calls made meanwhile wait in nb.q, so every event keeps its order.
function boot(): void {
  if (NB_BANNERS) (prepareSlots(), decided.push(show));
  setTimeout(start);
}

function start(): void {
  // Queued calls first, so that queued consent governs the first page view.
  for (const call of w.nb?.q || []) nb(...call);
  w.nb = nb;
  watchPages();
  if (NB_FORMS) watchForms();
  addEventListener('pagehide', () => flush(1));
  addEventListener('visibilitychange', () => document.hidden && flush(1));
  // Events left over from earlier pages go once this page's own view is on its way; a page with
  // nothing waiting (two storage reads, now) has no task for it.
  if (NB_OUTBOX) (waits() && setTimeout(retry, 500), addEventListener('online', retry));
}

// Without data-site there is nothing to send to; a tag pasted twice boots once (the first marks
// the page with its timer). A cached async script can run before the parser reaches the body:
// boot waits until the slots and forms exist.
if (site) w.nbBoot ||= setTimeout(() => (document.readyState[0] == 'l' ? addEventListener('DOMContentLoaded', boot) : boot()));
