// Form funnels from the real snippet against the real worker: a four-step application (start,
// steps, abandon on leaving; then a full run with submit), a form without step markup, and the
// guarantee that no typed value ever leaves the browser.
import { expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { useWorkerAndBrowser, PATIENCE_MS } from './harness';
import { html, openSite, profileWhen, repeated, type Site } from './snippet-fixture';

const live = useWorkerAndBrowser();

const MARKER = 'Zq7MARKERxv';
const names = ['property', 'income', 'details', 'review'];
const fields = [
  '<input name="address" autocomplete="street-address"><select name="kind"><option>House</option><option>Flat</option></select>',
  '<input name="income" type="number"><input name="employer"><textarea name="notes"></textarea>',
  '<input name="email" type="email"><input name="phone" type="tel"><input name="ssn" autocomplete="off"><input name="password" type="password">',
  '<input name="card" autocomplete="cc-number"><label><input type="checkbox" name="agree"> I agree</label>',
];
// Like the demo's apply.html: one fieldset visible at a time, Next buttons, submit kept on the page.
const apply = html(`
<form data-nb-form="mortgage-app" action="/t/done.html">
${names
  .map(
    (
      name,
      i,
    ) => `<fieldset data-nb-step="${i + 1}" data-nb-step-name="${name}"${i ? ' hidden' : ''}><legend>${name}</legend>${fields[i]}
  ${i < 3 ? `<button type="button" id="next-${i + 1}">Next</button>` : '<button type="submit" id="submit-app">Apply</button>'}</fieldset>`,
  )
  .join('\n')}
</form>
<form data-nb-form="newsletter"><input name="email" type="email"><button id="subscribe">Subscribe</button></form>
<script>
for (const n of [1, 2, 3]) document.getElementById('next-' + n).onclick = () => {
  document.querySelector('[data-nb-step="' + n + '"]').hidden = true;
  document.querySelector('[data-nb-step="' + (n + 1) + '"]').hidden = false;
};
for (const form of document.forms) form.addEventListener('submit', (event) => event.preventDefault());
</script>`);
const pages = { 'apply.html': apply, 'other.html': html('<p>Elsewhere</p>') };

/** Types the marker into every text-like field of the visible step. */
async function fill(page: Page, step: number): Promise<void> {
  for (const field of await page
    .locator(`[data-nb-step="${step}"] input:not([type=checkbox]), [data-nb-step="${step}"] textarea`)
    .all()) {
    const type = await field.getAttribute('type');
    await field.fill(type == 'number' ? '9876543' : type == 'email' ? `${MARKER}@example.com` : `${MARKER} ${type ?? ''}`);
  }
  if (step == 4) await page.check('[name=agree]');
  if (step == 1) await page.selectOption('[name=kind]', 'Flat');
}

async function forms(site: Site, form = 'mortgage-app') {
  return (await site.events('form'))
    .filter((event) => event.form == form)
    .map(({ action, step, step_name, steps }) => ({ action, step, step_name, steps }));
}

async function expectNoValues(site: Site): Promise<void> {
  const raw = await site.raw();
  expect(raw.length).toBeGreaterThan(0);
  for (const body of raw) {
    expect(body).not.toContain(MARKER);
    expect(body).not.toContain('9876543');
    expect(body).not.toContain('Flat');
  }
}

it('records start, each completed step and abandon at the furthest step when the visitor leaves mid-form', async () => {
  const site = await openSite(live.browser, live.worker, pages);
  const { page } = site;
  await page.goto(`${live.worker.url}/t/apply.html`);
  const vid = await site.vid();
  await fill(page, 1);
  await page.click('#next-1');
  await fill(page, 2);
  await page.click('#next-2');
  await fill(page, 3);
  await page.goto(`${live.worker.url}/t/other.html`); // pagehide: abandon goes out by sendBeacon

  const expected = [
    { action: 'start', step: 1, step_name: 'property', steps: 4 },
    { action: 'step', step: 1, step_name: 'property', steps: 4 },
    { action: 'step', step: 2, step_name: 'income', steps: 4 },
    { action: 'abandon', step: 3, step_name: 'details', steps: 4 },
  ];
  await expect.poll(() => forms(site), { timeout: PATIENCE_MS }).toEqual(expected);
  const profile = await profileWhen(live.worker, vid, (p) => p.recent.filter((e) => e.type == 'form').length >= 4);
  const stored = profile.recent.filter((event) => event.type == 'form');
  expect(stored.map((event) => event.event.action).reverse()).toEqual(['start', 'step', 'step', 'abandon']);
  expect(repeated(stored.map((event) => event.id))).toEqual([]);
  expect(JSON.stringify(profile)).not.toContain(MARKER);
  await expectNoValues(site);
  await site.context.close();
});

it('counts a step as completed when the next step becomes visible, before anything in it is touched', async () => {
  const site = await openSite(live.browser, live.worker, pages);
  const { page } = site;
  await page.goto(`${live.worker.url}/t/apply.html`);
  const vid = await site.vid();
  await fill(page, 1);
  await page.click('#next-1'); // step 2 is shown; the visitor leaves without touching it
  await page.goto(`${live.worker.url}/t/other.html`);
  await expect
    .poll(async () => (await forms(site)).map((event) => `${event.action}:${event.step}`), { timeout: PATIENCE_MS })
    .toEqual(['start:1', 'step:1', 'abandon:2']);
  await profileWhen(live.worker, vid, (p) => p.recent.some((e) => e.event.action == 'abandon'));
  await site.context.close();
});

it('records a full run with submit, sends no abandon afterwards, and never sends a typed value', async () => {
  const site = await openSite(live.browser, live.worker, pages);
  const { page } = site;
  await page.goto(`${live.worker.url}/t/apply.html`);
  const vid = await site.vid();
  for (const step of [1, 2, 3]) (await fill(page, step), await page.click(`#next-${step}`));
  await fill(page, 4);
  await page.click('#submit-app');
  await page.goto(`${live.worker.url}/t/other.html`);

  await expect
    .poll(async () => (await forms(site)).map((event) => `${event.action}:${event.step}`), { timeout: PATIENCE_MS })
    .toEqual(['start:1', 'step:1', 'step:2', 'step:3', 'submit:4']);
  const profile = await profileWhen(live.worker, vid, (p) => p.recent.some((e) => e.event.action == 'submit'));
  expect(
    profile.recent
      .filter((event) => event.type == 'form')
      .map((event) => event.event.action)
      .reverse(),
  ).toEqual(['start', 'step', 'step', 'step', 'submit']);
  expect(JSON.stringify(profile)).not.toContain(MARKER);
  await expectNoValues(site);
  await site.context.close();
});

it('treats a form without step markup as one step', async () => {
  const site = await openSite(live.browser, live.worker, pages);
  const { page } = site;
  await page.goto(`${live.worker.url}/t/apply.html`);
  await page.fill('[data-nb-form="newsletter"] [name=email]', `${MARKER}@example.com`);
  await page.click('#subscribe');
  await expect
    .poll(() => forms(site, 'newsletter'), { timeout: PATIENCE_MS })
    .toEqual([
      { action: 'start', step: 1, step_name: undefined, steps: 1 },
      { action: 'submit', step: 1, step_name: undefined, steps: 1 },
    ]);
  await expectNoValues(site);
  await site.context.close();
});
