// The snippet's entry: reads the tag, replays the calls queued before it loaded, replaces
// window.nb with the live function and wires page views, forms, banners and the transport.
// Nothing here may throw into the host page: every call is guarded.
import { conceal, handlers, render } from './banners';
import { hideMs, site } from './config';
import { changed, setConsent } from './consent';
import { abandonForms, watchForms } from './forms';
import { page, watchPages } from './pages';
import { flush, push, received, retry } from './transport';

type Call = [string, ...unknown[]];
type Nb = ((...args: Call) => void) & { q?: Call[] };
const w = window as unknown as { nb?: Nb };

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text.trim().toLowerCase()));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

function consented(): void {
  const settings = changed();
  if (settings) push({ type: 'track', name: 'consent', props: settings });
}

const commands: Record<string, (...args: any[]) => void> = {
  track: (name: string, props?: Record<string, string | number | boolean | null>) => push({ type: 'track', name, props }),
  identify: (id: string, traits?: Record<string, string | number | boolean | null>) =>
    sha256(String(id)).then((uid) => push({ type: 'identify', uid, traits })),
  consent: (update: object) => (setConsent(update), consented()),
  page: () => page(1),
  on: (kind: string, handler: (offer: unknown) => void) => kind == 'offer' && handlers.push(handler),
};

function call(name: string, ...args: unknown[]): void {
  try {
    if (commands[name]) commands[name](...args);
    else console.warn('nb: unknown command', name);
  } catch (error) {
    console.warn('nb:', error);
  }
}

function boot(): void {
  if (!site) return console.warn('nb: data-site missing');
  const queued = w.nb?.q || [];
  w.nb = (...args: Call) => call(...args);
  received.render = render;
  conceal(hideMs);
  // Queued consent must apply before the first page view is sent.
  queued.filter((c) => c[0] == 'consent').map((c) => call(...c));
  consented();
  page();
  queued.filter((c) => c[0] != 'consent').map((c) => call(...c));
  watchPages();
  if (NB_FORMS) watchForms();
  const leave = () => {
    if (NB_FORMS) abandonForms();
    flush(1);
  };
  addEventListener('pagehide', leave);
  addEventListener('visibilitychange', () => document.visibilityState == 'hidden' && flush(1));
  if (NB_OUTBOX) addEventListener('online', retry), retry();
}

try {
  boot();
} catch (error) {
  console.warn('nb:', error);
}
