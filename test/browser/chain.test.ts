import { expect, it } from 'vitest';
import { useWorkerAndBrowser, PATIENCE_MS } from './harness';

const live = useWorkerAndBrowser();

async function waitForProfile(vid: string, pages: number): Promise<{ state: { counters: { pages: number } } }> {
  const deadline = Date.now() + PATIENCE_MS;
  for (;;) {
    const response = await live.worker.profile('demo', vid);
    if (response.ok) {
      const profile = (await response.json()) as { state: { counters: { pages: number } } };
      if (profile.state.counters.pages >= pages || Date.now() > deadline) return profile;
    } else if (Date.now() > deadline) throw new Error(`profile answered ${response.status}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

it('records a page view from the pasted tag and shows the welcome-back banner on the second visit', async () => {
  const page = await live.browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${live.worker.url}/demo/`);
  const vid = await page.waitForFunction(() => localStorage.getItem('nb_vid')).then((handle) => handle.jsonValue());
  expect((await waitForProfile(vid!, 1)).state.counters.pages).toBe(1);
  await expect(page.locator('[data-nb-slot="hero"]').textContent()).resolves.not.toMatch(/welcome back/i);

  await page.goto(`${live.worker.url}/demo/`);
  await page
    .locator('[data-nb-slot="hero"]')
    .getByText(/welcome back/i)
    .waitFor({ timeout: PATIENCE_MS });
  expect((await waitForProfile(vid!, 2)).state.counters.pages).toBe(2);
  expect(errors).toEqual([]);
});
