// Consent, Global Privacy Control / Do Not Track, and private modes, against the real worker:
// nothing is sent or rendered that the settings forbid, and broken storage never breaks the page.
import { expect, it } from 'vitest';
import type { BrowserContext, Route } from 'playwright-core';
import { useWorkerAndBrowser, PATIENCE_MS } from './harness';
import { html, openSite, profileWhen, sleep } from './snippet-fixture';

const live = useWorkerAndBrowser();

const slot = '<div data-nb-slot="hero">Default hero</div>';
const GPC = `Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true });`;
const DNT = `Object.defineProperty(Navigator.prototype, 'doNotTrack', { get: () => '1' });`;
const call = (...args: unknown[]) => `nb(${args.map((arg) => JSON.stringify(arg)).join(',')})`;

/** Puts a slide-in offer into every real collect answer. */
async function offerEverywhere(context: BrowserContext): Promise<void> {
  await context.route(`${live.worker.url}/v1/collect`, (route) => rewrite(route).catch(() => {})); // the context may close mid-way
  async function rewrite(route: Route): Promise<void> {
    const response = await route.fetch();
    if (!response.ok()) return route.fulfill({ response });
    const json = await response.json();
    json.decisions.offers.push({
      slot: 'hero',
      offer: 'promo',
      holdout: false,
      reasons: [],
      banner: { title: 'Promo banner', placement: 'slide-in' },
    });
    return route.fulfill({ response, json });
  }
}

it('sends nothing after consent({analytics: false}), remembers it, and resumes when granted', async () => {
  const site = await openSite(live.browser, live.worker, {
    'denied.html': html(`${slot}<script>${call('consent', { analytics: false })}</script>`),
    'plain.html': html(slot),
  });
  const { page } = site;
  await page.goto(`${live.worker.url}/t/denied.html`);
  await page.evaluate(() => window.nb('track', 'calculator_used'));
  await page.goto(`${live.worker.url}/t/plain.html`); // the choice is remembered
  await page.evaluate(() => history.pushState({}, '', '/t/plain.html?next'));
  await sleep(1_500);
  expect(await site.raw()).toEqual([]);

  await page.evaluate(() => window.nb('consent', { analytics: true }));
  await page.evaluate(() => window.nb('track', 'calculator_used'));
  await expect
    .poll(async () => (await site.events('track')).map((event) => event.name), { timeout: PATIENCE_MS })
    .toContain('calculator_used');
  expect(await site.events('page')).toEqual([]);
  await site.context.close();
});

it('with data-nb-consent="opt-in", sends and renders nothing until consent, and personalizes only when allowed', async () => {
  const site = await openSite(live.browser, live.worker, {
    'optin.html': html(slot, { attributes: 'data-nb-consent="opt-in"' }),
  });
  const { page, context } = site;
  await offerEverywhere(context);
  await page.goto(`${live.worker.url}/t/optin.html`);
  await page.evaluate(() => window.nb('track', 'calculator_used'));
  await sleep(1_500);
  expect(await site.raw()).toEqual([]);

  // The landing page view, held in memory until the answer, goes first.
  await page.evaluate(() => window.nb('consent', { analytics: true }));
  await expect.poll(async () => (await site.events('page')).length, { timeout: PATIENCE_MS }).toBe(1);
  await sleep(500);
  expect((await site.bodies()).every((body) => !body.slots?.length)).toBe(true);
  await expect(page.getByText('Promo banner').count()).resolves.toBe(0);

  await page.evaluate(() => window.nb('consent', { personalization: true }));
  await page.evaluate(() => window.nb('page'));
  await page.getByText('Promo banner').waitFor({ timeout: PATIENCE_MS });
  expect((await site.bodies()).at(-1)?.slots).toEqual(['hero']);
  const vid = (await site.bodies())[0].vid;
  expect((await profileWhen(live.worker, vid, (p) => p.state.counters.pages >= 2)).state.counters.pages).toBe(2);
  await context.close();
});

it('under Global Privacy Control never reports ad consent, even when the page grants it', async () => {
  const site = await openSite(live.browser, live.worker, { 'gpc.html': html(slot) }, { init: GPC });
  await site.page.goto(`${live.worker.url}/t/gpc.html`);
  await site.page.evaluate(() => window.nb('consent', { analytics: true, personalization: true, ads: true }));
  await site.page.evaluate(() => window.nb('track', 'calculator_used'));
  await expect
    .poll(async () => (await site.events('track')).map((event) => event.name), { timeout: PATIENCE_MS })
    .toContain('calculator_used');
  for (const body of await site.raw()) expect(body).not.toMatch(/"ads":true/);
  await site.context.close();
});

it('identify sends only the SHA-256 of the trimmed, lower-cased id, never the id itself', async () => {
  const site = await openSite(live.browser, live.worker, { 'id.html': html(slot) });
  await site.page.goto(`${live.worker.url}/t/id.html`);
  await site.page.evaluate(() => window.nb('identify', '  Jane.Doe@Example.com ', { plan: 'gold' }));
  await expect.poll(async () => (await site.events('identify')).length, { timeout: PATIENCE_MS }).toBe(1);
  const [event] = await site.events('identify');
  const expected = await site.page.evaluate(async () =>
    Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode('jane.doe@example.com'))), (b) =>
      b.toString(16).padStart(2, '0'),
    ).join(''),
  );
  expect(event).toMatchObject({ uid: expected, traits: { plan: 'gold' } });
  for (const body of await site.raw()) expect(body.toLowerCase()).not.toContain('jane');
  const profile = await profileWhen(live.worker, (await site.bodies())[0].vid, (p) => p.recent.some((e) => e.type == 'identify'));
  expect(profile.recent.some((e) => e.type == 'identify')).toBe(true);
  await site.context.close();
});

it('scrubs e-mail addresses and phone numbers from traits and props before anything is queued or sent', async () => {
  const site = await openSite(live.browser, live.worker, { 'pii.html': html(slot) });
  await site.page.goto(`${live.worker.url}/t/pii.html`);
  await site.vid();
  await site.page.evaluate(() => {
    window.nb('identify', 'user-42', { email: 'Jane.Doe@Example.com', phone: '+1 (415) 555-0100', plan: 'gold', age: 41 });
    window.nb('track', 'callback_requested', {
      phone: '415.555.0100',
      note: 'mail jane.doe%40example.com',
      loan_bucket: '300-400k',
    });
  });
  await expect
    .poll(async () => (await site.events()).filter((event) => event.type != 'page').length, { timeout: PATIENCE_MS })
    .toBe(2);
  const [identify] = await site.events('identify');
  const [track] = await site.events('track');
  // The e-mail and phone traits go only as the hashes the ad platforms match (with ads consent, the default).
  expect(identify.traits).toEqual({ plan: 'gold', age: 41 });
  expect(identify).toMatchObject({
    email_sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    phone_sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
  });
  expect(track.props).toEqual({ phone: '_', note: 'mail _', loan_bucket: '300-400k' });
  // Nor anywhere in what was sent or stored on the way (ids are hex, so they cannot match these).
  const stored = await site.page.evaluate(() => JSON.stringify(Object.entries(localStorage)));
  for (const text of [...(await site.raw()), stored]) expect(text).not.toMatch(/jane|\(415\)|415\.555/i);
  await site.context.close();
});

it('sends the sig of nb("identify", id, traits, { sig }) as given when it is 64 lower-case hex digits, and leaves any other out', async () => {
  const site = await openSite(live.browser, live.worker, { 'sig.html': html(slot) });
  await site.page.goto(`${live.worker.url}/t/sig.html`);
  await site.vid();
  const sig = 'a1'.repeat(32);
  await site.page.evaluate((sig) => {
    window.nb('identify', 'user-1', { plan: 'gold' }, { sig });
    window.nb('identify', 'user-2', {}, { sig: sig.toUpperCase() });
    window.nb('identify', 'user-3', {}, { sig: sig.slice(1) });
    window.nb('identify', 'user-4', {}, { sig: 42 });
    window.nb('identify', 'user-5', undefined, null);
    window.nb('identify', 'user-6');
  }, sig);
  await expect.poll(async () => (await site.events('identify')).length, { timeout: PATIENCE_MS }).toBe(6);
  const events = await site.events('identify');
  expect(events.filter((event) => 'sig' in event)).toEqual([expect.objectContaining({ sig, traits: { plan: 'gold' } })]);
  await site.context.close();
});

for (const [signal, init] of [
  ['Global Privacy Control', GPC],
  ['Do Not Track', DNT],
]) {
  it(`in strict mode under ${signal} sends and renders nothing, whatever the page calls`, async () => {
    const page = html(`${slot}<script>${call('consent', { analytics: true, personalization: true, ads: true })}</script>`, {
      attributes: 'data-nb-strict="true"',
    });
    const site = await openSite(live.browser, live.worker, { 'strict.html': page }, { init });
    await offerEverywhere(site.context);
    await site.page.goto(`${live.worker.url}/t/strict.html`);
    await site.page.evaluate(
      () => (window.nb('track', 'calculator_used'), window.nb('identify', 'jane@example.com'), window.nb('page')),
    );
    await site.page.evaluate(() => history.pushState({}, '', '/t/strict.html?next'));
    await sleep(1_500);
    expect(await site.raw()).toEqual([]);
    await expect(site.page.locator('[data-nb-slot="hero"]').textContent()).resolves.toBe('Default hero');
    await site.context.close();
  });
}

const broken = {
  'localStorage and IndexedDB throw': `
    for (const name of ['localStorage', 'indexedDB', 'sessionStorage'])
      Object.defineProperty(window, name, { get() { throw new DOMException('The operation is insecure.', 'SecurityError'); } });`,
  'storage is full and IndexedDB fails to open': `
    Storage.prototype.setItem = function () { throw new DOMException('quota', 'QuotaExceededError'); };
    IDBFactory.prototype.open = function () { throw new DOMException('denied', 'InvalidStateError'); };`,
};

for (const [name, init] of Object.entries(broken)) {
  it(`keeps working and never throws to the page when ${name}`, async () => {
    const site = await openSite(live.browser, live.worker, { 'private.html': html(slot) }, { init });
    const { page, context } = site;
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await offerEverywhere(context);
    await page.goto(`${live.worker.url}/t/private.html`);
    await page.getByText('Promo banner').waitFor({ timeout: PATIENCE_MS });
    await page.getByRole('button', { name: 'Close' }).click();
    await page.evaluate(() => {
      window.nb('track', 'calculator_used', { loan_bucket: '300-400k' });
      window.nb('consent', { ads: false });
      window.nb('no-such-command');
      history.pushState({}, '', '/t/private.html?step=2');
    });
    await expect.poll(async () => (await site.events()).length, { timeout: PATIENCE_MS }).toBeGreaterThanOrEqual(4);
    const vid = (await site.bodies())[0].vid;
    const profile = await profileWhen(live.worker, vid, (p) => p.state.counters.pages >= 2 && p.state.counters.tracks >= 1);
    expect(profile.state.counters.pages).toBe(2);
    expect(errors).toEqual([]);
    await context.close();
  });
}

declare global {
  interface Window {
    nb: (...args: unknown[]) => void;
  }
}
