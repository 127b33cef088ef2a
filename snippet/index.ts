// Entry: reads the tag, replays the calls queued before the snippet loaded, replaces window.nb
// with the live function, sends the page view and wires SPA navigation, forms, banners and the
// transport. Nothing here throws into the host page.
import { handlers, hideSlots } from './banners';
import { site } from './config';
import { setConsent } from './consent';
import { watchForms } from './forms';
import { page, watchPages } from './pages';
import { hex } from './storage';
import { flush, push, retry } from './transport';
import type { OfferDecision } from './types';

type Props = Record<string, string | number | boolean | null>;
type Call = [string, ...any[]]; // any: the public API accepts whatever a page passes
const w = window as unknown as { nb?: ((...call: Call) => void) & { q?: Call[] }; nbBoot?: number };

/** Only the SHA-256 of the trimmed, lower-cased id leaves the browser. */
function identify(id: unknown, traits?: Props): void {
  crypto.subtle
    .digest('SHA-256', new TextEncoder().encode((id + '').trim().toLowerCase()))
    .then((hash) => push({ type: 'identify', uid: hex(hash), traits }));
}

const commands: Record<string, (a?: any, b?: any) => unknown> = {
  track: (name: string, props?: Props) => push({ type: 'track', name, props }),
  identify,
  consent: setConsent,
  page: () => page(1),
  on: (kind: string, handler: (offer: OfferDecision) => void) => kind == 'offer' && handlers.push(handler),
};

function nb(command: string, a?: any, b?: any): void {
  try {
    commands[command](a, b);
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
  if (NB_BANNERS) hideSlots();
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
  // Events left over from earlier pages go once this page's own view is on its way.
  if (NB_OUTBOX) (setTimeout(retry, 500), addEventListener('online', retry));
}

// Without data-site there is nothing to send to; a tag pasted twice boots once (the first marks
// the page with its timer). A cached async script can run before the parser reaches the body:
// boot waits until the slots and forms exist.
if (site) w.nbBoot ||= setTimeout(() => (document.readyState[0] == 'l' ? addEventListener('DOMContentLoaded', boot) : boot()));
