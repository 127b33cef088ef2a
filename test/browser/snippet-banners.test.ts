// Banners from the real snippet: the demo rules' slot offer from the real worker, overlays (top-bar,
// slide-in, modal) and hostile strings injected into the real collect answer; impression, click
// and dismiss arrive at the worker; a dismissed overlay stays closed; nothing server-sent runs.
import { expect, it } from 'vitest';
import type { BrowserContext, Route } from 'playwright-core';
import { useWorkerAndBrowser, PATIENCE_MS } from './harness';
import { html, openSite, profileWhen, sleep, type Profile } from './snippet-fixture';

const live = useWorkerAndBrowser();

// The page's own CSS hides every b, p, a and button: none of it may reach into a banner.
const home = html(`<style>b,p,a,button{display:none!important}</style>
<input id="before" aria-label="Before" autofocus><div data-nb-slot="hero">Default hero</div><p>Rates from 5.9%</p>`);
const pages = { 'home.html': home, 'landing.html': html('<h1>Landing</h1>') };

interface Injected {
  offer: string;
  placement: 'slot' | 'top-bar' | 'slide-in' | 'modal';
  title: string;
  body?: string;
  cta?: { text: string; url: string };
  /** The offer's dismiss cooldown, as the worker sends it. */
  dismiss_hours?: number;
}

/** Adds offers to the first real collect answer, as a decision from the worker would carry them. */
async function inject(context: BrowserContext, offers: Injected[]): Promise<void> {
  let pending = true;
  await context.route(`${live.worker.url}/v1/collect`, (route) => rewrite(route).catch(() => {})); // the context may close mid-way
  async function rewrite(route: Route): Promise<void> {
    const response = await route.fetch();
    if (!pending || !response.ok()) return route.fulfill({ response });
    pending = false;
    const json = await response.json();
    json.decisions.offers.push(
      ...offers.map(({ offer, placement, dismiss_hours, ...banner }) => ({
        slot: 'hero',
        offer,
        variant: 'a',
        holdout: false,
        ...(dismiss_hours && { dismiss_hours }),
        banner: { ...banner, placement },
        reasons: ['test'],
      })),
    );
    return route.fulfill({ response, json });
  }
}

const offerActions = (profile: Profile, offer: string) =>
  profile.recent
    .filter((event) => event.type == 'offer' && event.event.offer == offer)
    .map((event) => event.event.action)
    .sort();

it("shows the demo rules' welcome-back offer in its slot on the second visit and records impression and click", async () => {
  const site = await openSite(live.browser, live.worker, pages);
  const { page, context } = site;
  await page.goto(`${live.worker.url}/t/home.html`);
  const vid = await site.vid();
  await profileWhen(live.worker, vid, (p) => p.state.counters.pages >= 1);
  await expect(page.locator('[data-nb-slot="hero"]').textContent()).resolves.toBe('Default hero');

  await page.goto(`${live.worker.url}/t/home.html`);
  const hero = page.locator('[data-nb-slot="hero"]');
  await hero.getByText(/welcome back/i).waitFor({ timeout: PATIENCE_MS });
  await expect(hero.getByText(/welcome back/i).isVisible()).resolves.toBe(true);
  await hero.getByRole('link').click();
  // The demo's link is relative to the page (./apply.html): it stays on this site.
  await page.waitForURL(`${live.worker.url}/t/apply.html`);
  const profile = await profileWhen(live.worker, vid, (p) => offerActions(p, 'welcome-back').length >= 2);
  expect(offerActions(profile, 'welcome-back')).toEqual(['click', 'impression']);
  await context.close();
});

it('renders top-bar, slide-in and modal overlays as labelled regions and a dialog, and records dismissals', async () => {
  const site = await openSite(live.browser, live.worker, pages);
  const { page, context } = site;
  await inject(context, [
    { offer: 'rate-alert', placement: 'top-bar', title: 'Rates dropped today', dismiss_hours: 24 },
    {
      offer: 'calc-nudge',
      placement: 'slide-in',
      title: 'Try the calculator',
      body: 'Two minutes',
      cta: { text: 'Open', url: `${live.worker.url}/t/landing.html` },
    },
    { offer: 'finish-app', placement: 'modal', title: 'Finish your application', body: 'You were at step 3', dismiss_hours: 24 },
  ]);
  await page.goto(`${live.worker.url}/t/home.html`);
  const vid = await site.vid();
  const topBar = page.getByRole('region', { name: 'Rates dropped today' });
  const slideIn = page.getByRole('region', { name: 'Try the calculator' });
  const modal = page.getByRole('dialog', { name: 'Finish your application' });
  for (const overlay of [topBar, slideIn, modal]) await overlay.waitFor({ timeout: PATIENCE_MS });
  await expect(modal.getByText('You were at step 3').isVisible()).resolves.toBe(true);
  // A native modal dialog: the rest of the page is inert while it is open.
  await expect(modal.evaluate((element) => element.matches('dialog:modal'))).resolves.toBe(true);

  // The modal takes focus (into its shadow root) and gives it back to the page when closed.
  await expect(page.evaluate(() => !!document.activeElement?.shadowRoot)).resolves.toBe(true);
  await page.keyboard.press('Escape');
  await modal.waitFor({ state: 'detached' });
  await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe('before');
  await topBar.getByRole('button', { name: 'Close' }).click();
  await topBar.waitFor({ state: 'detached' });

  const profile = await profileWhen(
    live.worker,
    vid,
    (p) => offerActions(p, 'rate-alert').length >= 2 && offerActions(p, 'finish-app').length >= 2,
  );
  expect(offerActions(profile, 'rate-alert')).toEqual(['dismiss', 'impression']);
  expect(offerActions(profile, 'finish-app')).toEqual(['dismiss', 'impression']);
  expect(offerActions(profile, 'calc-nudge')).toEqual(['impression']);

  // Dismissed overlays stay closed on the next page (within their cooldown); the one not dismissed shows again.
  await context.unrouteAll();
  await inject(context, [
    { offer: 'rate-alert', placement: 'top-bar', title: 'Rates dropped today' },
    { offer: 'calc-nudge', placement: 'slide-in', title: 'Try the calculator' },
    { offer: 'finish-app', placement: 'modal', title: 'Finish your application' },
  ]);
  await context.route(`${live.worker.url}/t/**`, (route) => route.fulfill({ contentType: 'text/html', body: home }));
  await page.goto(`${live.worker.url}/t/home.html`);
  await slideIn.waitFor({ timeout: PATIENCE_MS });
  await sleep(300);
  await expect(topBar.count()).resolves.toBe(0);
  await expect(modal.count()).resolves.toBe(0);
  await context.close();
});

it('keeps Tab and Shift+Tab inside an open modal, and gives focus back to the page when Esc closes it', async () => {
  const site = await openSite(live.browser, live.worker, pages);
  const { page, context } = site;
  // The modal comes first, so that the page has focusable things both before it (#before) and after it.
  await inject(context, [
    {
      offer: 'trap-modal',
      placement: 'modal',
      title: 'Finish your application',
      cta: { text: 'Continue', url: `${live.worker.url}/t/landing.html` },
    },
    {
      offer: 'trap-slide',
      placement: 'slide-in',
      title: 'Try the calculator',
      cta: { text: 'Open', url: `${live.worker.url}/t/landing.html` },
    },
  ]);
  await page.goto(`${live.worker.url}/t/home.html`);
  const modal = page.getByRole('dialog', { name: 'Finish your application' });
  await modal.waitFor({ timeout: PATIENCE_MS });
  await page.getByRole('region', { name: 'Try the calculator' }).waitFor();
  // Where focus is: the element inside the modal's shadow root, or "outside" and what has it.
  const focused = () =>
    page.evaluate(() => {
      const active = document.activeElement;
      const inner = active?.shadowRoot?.activeElement;
      return inner && active!.shadowRoot!.querySelector('dialog:modal')?.contains(inner)
        ? inner.textContent
        : `outside: ${active?.tagName} ${active?.shadowRoot?.activeElement?.textContent ?? active?.id}`;
    });
  await expect(focused()).resolves.toBe('×');
  const seen: Array<string | null | undefined> = [];
  for (const key of ['Tab', 'Tab', 'Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab', 'Tab']) {
    await page.keyboard.press(key);
    seen.push(await focused());
  }
  // Two focusable things in the modal (its close button and its link), in a cycle both ways.
  expect(seen).toEqual(['Continue', '×', 'Continue', '×', 'Continue', '×', 'Continue']);
  await page.keyboard.press('Escape');
  await modal.waitFor({ state: 'detached' });
  await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe('before');
  // Closed, the modal no longer holds focus: Tab moves on through the page as usual.
  await page.keyboard.press('Tab');
  await expect(focused()).resolves.not.toBe('×');
  await context.close();
});

it('shows hostile banner strings as text and refuses script URLs, never running them', async () => {
  const site = await openSite(live.browser, live.worker, pages);
  const { page, context } = site;
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  const title = '<img src=x onerror="window.__xss=1">Hi';
  await inject(context, [
    {
      offer: 'xss-slot',
      placement: 'slot',
      title,
      body: '<script>window.__xss=2</script>',
      cta: { text: '<b onmouseover="window.__xss=3">Go</b>', url: 'javascript:window.__xss=4' },
    },
    {
      offer: 'xss-modal',
      placement: 'modal',
      title: '<svg onload="window.__xss=5">',
      body: '"><iframe src="javascript:window.parent.__xss=6">',
      cta: { text: 'Data', url: 'data:text/html,<script>parent.__xss=7</script>' },
    },
    { offer: 'xss-bar', placement: 'top-bar', title: 'Case', cta: { text: 'Click', url: ' JaVaScRiPt:window.__xss=8' } },
  ]);
  await page.goto(`${live.worker.url}/t/home.html`);
  await page.getByRole('dialog').waitFor({ timeout: PATIENCE_MS });
  const hero = page.locator('[data-nb-slot="hero"]');
  await hero.getByText(title).waitFor();
  await expect(hero.getByText('<script>window.__xss=2</script>').count()).resolves.toBe(1);
  for (const name of ['Go', 'Data', 'Click']) await expect(page.getByRole('link', { name }).count()).resolves.toBe(0);
  // The modal makes the page inert: closed first, so that the pointer reaches the slot.
  await page.keyboard.press('Escape');
  await page.getByRole('dialog').waitFor({ state: 'detached' });
  await hero.getByText('<script>window.__xss=2</script>').hover();
  await sleep(300);
  // No element was made from server strings, in the page or inside any banner's shadow root.
  const made = await page.evaluate(() => {
    const roots: Array<Document | ShadowRoot> = [document];
    document.querySelectorAll('*').forEach((element) => element.shadowRoot && roots.push(element.shadowRoot));
    return roots.flatMap((root) =>
      Array.from(root.querySelectorAll('img,script:not([src]),svg,iframe,b[onmouseover]'), (e) => e.tagName),
    );
  });
  expect(made.filter((tag) => tag != 'SCRIPT')).toEqual([]);
  await expect(page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).resolves.toBeUndefined();
  expect(errors).toEqual([]);
  await context.close();
});

it('works under a strict CSP: no unsafe-inline, no unsafe-eval, Trusted Types required', async () => {
  const STUB = `'sha256-kHLS3pmiNoLhG00b5dhppZlwb2949FbD2Z7S1vIR0w0='`; // the tag's one-line stub, as README prints it
  const csp = `default-src 'none'; script-src 'self' ${STUB}; connect-src 'self'; require-trusted-types-for 'script'; trusted-types 'none'`;
  const site = await openSite(
    live.browser,
    live.worker,
    {},
    {
      init: `addEventListener('securitypolicyviolation', (e) => (window.__csp ||= []).push(e.violatedDirective + ' ' + e.blockedURI))`,
    },
  );
  const { page, context } = site;
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await context.route(`${live.worker.url}/t/csp.html`, (route) =>
    route.fulfill({
      contentType: 'text/html',
      headers: { 'Content-Security-Policy': csp },
      body: html('<div data-nb-slot="hero">Default hero</div>'),
    }),
  );
  await inject(context, [
    {
      offer: 'csp-modal',
      placement: 'modal',
      title: 'Strict page offer',
      body: 'Styled',
      cta: { text: 'Go', url: `${live.worker.url}/t/landing.html` },
    },
  ]);
  await page.goto(`${live.worker.url}/t/csp.html`);
  const dialog = page.getByRole('dialog', { name: 'Strict page offer' });
  await dialog.waitFor({ timeout: PATIENCE_MS });
  // The banner's styles applied (its close button floats right: the browser's own dialog styles do
  // not do that), so no inline style was blocked.
  await expect(
    dialog.getByRole('button', { name: 'Close' }).evaluate((element) => getComputedStyle(element).float),
  ).resolves.toBe('right');
  await expect.poll(async () => (await site.events('page')).length, { timeout: PATIENCE_MS }).toBe(1);
  const vid = (await site.bodies())[0].vid;
  await profileWhen(live.worker, vid, (p) => p.state.counters.pages >= 1);
  await expect(page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? [])).resolves.toEqual([]);
  expect(errors).toEqual([]);
  await context.close();
});

it('keeps sending as usual when a banner throws as it renders: one warning, and the leaving beacon still goes', async () => {
  // The page learns of each offer (the snippet hands it over first, then builds the banner).
  const watched = html(`<div data-nb-slot="hero">Default hero</div>
<script>nb('on', 'offer', (offer) => (window.__offered = offer.offer))</script>`);
  const site = await openSite(
    live.browser,
    live.worker,
    { 'watched.html': watched },
    // A page (or a browser) on which building a banner throws.
    { init: `Element.prototype.attachShadow = function () { throw new Error('attachShadow broken by the page'); };` },
  );
  const { page, context } = site;
  const errors: string[] = [];
  const warnings: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => void (message.type() == 'warning' && warnings.push(message.text())));
  await inject(context, [{ offer: 'broken', placement: 'slide-in', title: 'Never shown' }]);
  await page.goto(`${live.worker.url}/t/watched.html`);
  await page.waitForFunction(() => (window as unknown as { __offered?: string }).__offered == 'broken', undefined, {
    timeout: PATIENCE_MS,
  });
  // Leaving right after: a send counted as failed would keep this event from the beacon (it would
  // be spilled to localStorage for a next page instead).
  await page.evaluate(() => {
    (window as unknown as { nb: (...call: unknown[]) => void }).nb('track', 'calculator_used');
    dispatchEvent(new Event('pagehide'));
  });
  expect((await site.events('track')).map((event) => event.name)).toEqual(['calculator_used']);
  await expect(page.evaluate(() => JSON.parse(localStorage.getItem('nb_spill') || '[]'))).resolves.toEqual([]);
  // The renderer module is imported after the decision arrives, so its warning may come later.
  await expect.poll(() => warnings.join('\n'), { timeout: PATIENCE_MS }).toContain('attachShadow broken by the page');
  expect(errors).toEqual([]);
  await context.close();
});
