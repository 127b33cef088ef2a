// One consent model from the page to the worker's audiences, in Chromium against the real worker:
// the default mode (opt-out) joins the demo's abandoners audience without a consent call, GPC never
// does, opt-in holds the landing page view until the answer, a CMP's Consent Mode v2 state is
// followed, and the modules that nb.js imports on demand load only when a page needs them.
import { expect, it } from 'vitest';
import { useWorkerAndBrowser, PATIENCE_MS } from './harness';
import { html, openSite, profileWhen, sleep, type Site } from './snippet-fixture';

const live = useWorkerAndBrowser();

const GPC = `Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true });`;
const ALL = { analytics: true, personalization: true, ads: true };

// The demo's application, as markup: four steps, one visible at a time.
const apply = html(`
<form data-nb-form="mortgage-app">
${[1, 2, 3, 4]
  .map(
    (n) =>
      `<fieldset data-nb-step="${n}"${n > 1 ? ' hidden' : ''}><input name="f${n}"><button type="button" id="next-${n}">Next</button></fieldset>`,
  )
  .join('\n')}
</form>
<script>
for (const n of [1, 2, 3]) document.getElementById('next-' + n).onclick = () => {
  document.querySelector('[data-nb-step="' + n + '"]').hidden = true;
  document.querySelector('[data-nb-step="' + (n + 1) + '"]').hidden = false;
};
</script>`);

/** Starts the application, reaches step 3 and leaves: the abandon goes out as the page is left. */
async function abandonAtStep3(site: Site): Promise<string> {
  const { page } = site;
  await page.goto(`${live.worker.url}/t/apply.html`);
  const vid = await site.vid();
  await page.fill('[name=f1]', 'x');
  await page.click('#next-1');
  await page.click('#next-2');
  await page.focus('[name=f3]');
  await page.goto(`${live.worker.url}/t/other.html`);
  return vid;
}

type Audiences = Record<string, { joined: number; expires: number; left?: number }>;
const audiencesOf = (profile: unknown) => (profile as { state: { audiences: Audiences } }).state.audiences;

it('with the default mode, sends the consent in effect with each batch, and an abandon at step 3 joins the audience', async () => {
  const site = await openSite(live.browser, live.worker, { 'apply.html': apply, 'other.html': html('<p>Elsewhere</p>') });
  const vid = await abandonAtStep3(site);
  const profile = await profileWhen(live.worker, vid, (p) => 'mortgage_abandoners' in audiencesOf(p));
  expect(audiencesOf(profile).mortgage_abandoners).toMatchObject({ joined: expect.any(Number) });
  expect(audiencesOf(profile).mortgage_abandoners.left).toBeUndefined();
  for (const body of await site.bodies()) expect((body as { consent?: unknown }).consent).toEqual(ALL);
  await site.context.close();
});

it('under Global Privacy Control, the same journey joins no ad audience', async () => {
  const site = await openSite(
    live.browser,
    live.worker,
    { 'apply.html': apply, 'other.html': html('<p>Elsewhere</p>') },
    { init: GPC },
  );
  const vid = await abandonAtStep3(site);
  const profile = await profileWhen(live.worker, vid, (p) => p.recent.some((e) => e.event.action == 'abandon'));
  expect(audiencesOf(profile)).toEqual({});
  for (const body of await site.bodies()) expect((body as { consent?: unknown }).consent).toEqual({ ...ALL, ads: false });
  await site.context.close();
});

it('with opt-in, holds the landing page view with its campaign until the visitor answers, and drops it on a refusal', async () => {
  const landing = html('<p>Rates</p>', { attributes: 'data-nb-consent="opt-in"' });
  const campaign = '?utm_source=google&utm_medium=cpc&utm_campaign=jumbo';
  for (const answer of ['grant', 'refuse'] as const) {
    const site = await openSite(live.browser, live.worker, { 'landing.html': landing });
    await site.page.goto(`${live.worker.url}/t/landing.html${campaign}`);
    await site.page.evaluate(() => window.nb('track', 'calculator_used'));
    await sleep(1_000);
    expect(await site.raw()).toEqual([]);
    if (answer == 'refuse') {
      await site.page.evaluate(() => window.nb('consent', { analytics: false }));
      await sleep(500);
      expect(await site.raw()).toEqual([]);
    }
    await site.page.evaluate(() => window.nb('consent', { analytics: true }));
    await expect.poll(async () => (await site.events('track')).length, { timeout: PATIENCE_MS }).toBe(1);
    const pages = await site.events('page');
    if (answer == 'grant') {
      expect(pages).toHaveLength(1);
      expect(pages[0].url).toBe(`${live.worker.url}/t/landing.html${campaign}`);
      // The view went first, then the consent change.
      expect((await site.events()).map((event) => event.type)).toEqual(['page', 'track']);
    } else expect(pages).toEqual([]);
    await site.context.close();
  }
});

it("follows the page's Google Consent Mode v2 state, default and update alike", async () => {
  const gtag = (state: string) =>
    `<script>window.dataLayer = window.dataLayer || []; function gtag() { dataLayer.push(arguments); } ${state}</script>`;
  const denied = `gtag('consent', 'default', { ad_storage: 'denied', ad_user_data: 'denied', ad_personalization: 'denied', analytics_storage: 'granted' });`;
  const site = await openSite(live.browser, live.worker, {
    'cmp.html': html('<p>Rates</p>', { head: gtag(denied) }),
    'no-analytics.html': html('<p>Rates</p>', { head: gtag(`gtag('consent', 'default', { analytics_storage: 'denied' });`) }),
  });
  await site.page.goto(`${live.worker.url}/t/cmp.html`);
  await expect.poll(async () => (await site.events('page')).length, { timeout: PATIENCE_MS }).toBe(1);
  expect(((await site.bodies())[0] as { consent?: unknown }).consent).toEqual({ ...ALL, ads: false });

  await site.page.evaluate(() => {
    const page = window as unknown as { gtag: (...args: unknown[]) => void };
    page.gtag('consent', 'update', { ad_storage: 'granted', ad_user_data: 'granted', ad_personalization: 'granted' });
    window.nb('track', 'calculator_used');
  });
  await expect.poll(async () => (await site.events('track')).length, { timeout: PATIENCE_MS }).toBe(1);
  expect(((await site.bodies()).at(-1) as { consent?: unknown }).consent).toEqual(ALL);

  const before = (await site.raw()).length;
  await site.page.goto(`${live.worker.url}/t/no-analytics.html`);
  await site.page.evaluate(() => window.nb('track', 'calculator_used'));
  await sleep(1_500);
  expect((await site.raw()).length).toBe(before);
  await site.context.close();
});

it("hashes an identify's e-mail and phone as Meta documents them, and never sends either", async () => {
  const page = html('<p>Account</p>', { attributes: 'data-nb-country="US"' });
  const site = await openSite(live.browser, live.worker, { 'account.html': page });
  await site.page.goto(`${live.worker.url}/t/account.html`);
  await site.vid();
  await site.page.evaluate(() => window.nb('identify', 'user-7', { email: ' John_Smith@gmail.com', phone: '(650)555-1212' }));
  await expect.poll(async () => (await site.events('identify')).length, { timeout: PATIENCE_MS }).toBe(1);
  // Meta's Conversions API "Customer information parameters" examples, and the E.164 form Google takes.
  expect((await site.events('identify'))[0]).toMatchObject({
    email_sha256: '62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f',
    phone_sha256: '1e231c66011e7a2d867a9cfae267a6aff103cf4913640b6e71a99850fc0ffbc8',
    phone_digits_sha256: 'e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176',
    traits: {},
  });
  // (Hex ids and digests may hold any run of digits: look for the number's own forms.)
  for (const body of await site.raw()) expect(body).not.toMatch(/john|gmail|\(650\)|555-1212|6505551212/i);

  // Without ads consent nothing of them goes (and the hashing module is not even loaded).
  const loaded: string[] = [];
  site.page.on('request', (request) => loaded.push(new URL(request.url()).pathname));
  await site.page.evaluate(() => window.nb('consent', { ads: false }));
  await site.page.evaluate(() => window.nb('identify', 'user-8', { email: 'jane@example.com', phone: '(650)555-1213' }));
  await expect.poll(async () => (await site.events('identify')).length, { timeout: PATIENCE_MS }).toBe(2);
  const [, second] = await site.events('identify');
  expect(Object.keys(second).filter((key) => key.includes('sha256'))).toEqual([]);
  expect(loaded).not.toContain('/nb-identify.js');
  await site.context.close();
});

it('loads nb-banners.js only on a page whose decision has a banner to show', async () => {
  const site = await openSite(live.browser, live.worker, {
    'plain.html': html('<p>No slots here</p>'),
  });
  const loaded: string[] = [];
  site.context.on('request', (request) => loaded.push(new URL(request.url()).pathname));
  await site.page.goto(`${live.worker.url}/t/plain.html`);
  await expect.poll(async () => (await site.events('page')).length, { timeout: PATIENCE_MS }).toBe(1);
  await sleep(1_000);
  expect(loaded).toContain('/nb.js');
  expect(loaded.filter((path) => path.startsWith('/nb-'))).toEqual([]);

  // An offer with a banner in the answer: the renderer is imported, once, and shows it.
  await site.context.route(`${live.worker.url}/v1/collect`, async (route) => {
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
  });
  await site.page.evaluate(() => window.nb('page'));
  await site.page.getByText('Promo banner').waitFor({ timeout: PATIENCE_MS });
  expect(loaded.filter((path) => path == '/nb-banners.js')).toHaveLength(1);
  await site.context.close();
});

it('keeps the click ids of the landing page on the profile with ads consent only', async () => {
  const landing = '/t/landing.html?utm_source=google&gclid=EAIaIQobChMI8rXk2cDd&fbclid=IwAR2F4-dbP0l7Mn';
  const grantsAds = await openSite(live.browser, live.worker, { 'landing.html': html('<p>Rates</p>') });
  const refusesAds = await openSite(live.browser, live.worker, {
    'landing.html': html(`<p>Rates</p><script>nb('consent', { ads: false })</script>`),
  });
  const clickIds = async (site: Site) => {
    await site.page.goto(`${live.worker.url}${landing}`);
    const vid = await site.vid();
    const profile = await profileWhen(live.worker, vid, (p) => p.state.counters.pages >= 1);
    return (profile as unknown as { state: { click_ids?: Record<string, { value: string }> } }).state.click_ids ?? {};
  };
  const kept = await clickIds(grantsAds);
  expect(kept.gclid?.value).toBe('EAIaIQobChMI8rXk2cDd');
  // Meta's fbc: fb.1.<ms of the click>.<fbclid>.
  expect(kept.fbc?.value).toMatch(/^fb\.1\.\d{13}\.IwAR2F4-dbP0l7Mn$/);
  expect(await clickIds(refusesAds)).toEqual({});
  await grantsAds.context.close();
  await refusesAds.context.close();
});

it("tells nb('on', 'audience') handlers of a join, with the event id the worker's list gives the same change", async () => {
  const site = await openSite(live.browser, live.worker, {
    'apply.html': apply,
    'other.html': html(
      `<p>Elsewhere</p><script>nb('on', 'audience', (change) => (window.__changes = (window.__changes || []).concat([change])))</script>`,
    ),
  });
  const vid = await abandonAtStep3(site);
  // The abandon goes by beacon as the page is left; the next page's own decision carries the join.
  await site.page.evaluate(() => window.nb('page'));
  const changes = () =>
    site.page.evaluate(() => (window as unknown as { __changes?: Array<Record<string, string>> }).__changes ?? []);
  await expect.poll(async () => (await changes()).length, { timeout: PATIENCE_MS }).toBeGreaterThan(0);
  const [change] = await changes();
  expect(change).toMatchObject({
    audience: 'mortgage_abandoners',
    action: 'join',
    event_id: expect.stringMatching(/^[0-9a-f]{32}$/),
  });
  // The list is the D1 mirror, written after the visitor's object flushes: poll it.
  const listed = async () => {
    const response = await fetch(`${live.worker.url}/v1/audiences/demo/mortgage_abandoners?limit=1000`, {
      headers: { authorization: `Bearer ${live.worker.apiKey}` },
    });
    const { members } = (await response.json()) as { members: Array<{ vid: string; event_id: string }> };
    return members.find((member) => member.vid == vid)?.event_id;
  };
  await expect.poll(listed, { timeout: PATIENCE_MS }).toBe(change.event_id);
  await site.context.close();
});
