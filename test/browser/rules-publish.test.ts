// Publishing rules to a running worker: a new banner title pushed with the rules CLI (through the
// admin API) shows on the demo page at its next load, and a rollback brings the old one back.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { useWorkerAndBrowser, PATIENCE_MS } from './harness';

const live = useWorkerAndBrowser();
const dir = mkdtempSync(join(tmpdir(), 'nextbest-rules-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `npm run rules -- …` against the test's worker, with its address and key in the environment. */
function rules(...args: string[]): { code: number | null; out: string } {
  const run = spawnSync('npm', ['run', '--silent', 'rules', '--', ...args], {
    encoding: 'utf8',
    env: { ...process.env, NB_URL: live.worker.url, NB_API_KEY: live.worker.apiKey },
  });
  return { code: run.status, out: `${run.stdout}${run.stderr}` };
}

it('shows a banner title published through the API at the next page load, and the old one after a rollback', async () => {
  const page = await live.browser.newPage();
  const hero = page.locator('[data-nb-slot="hero"]');
  await page.goto(`${live.worker.url}/demo/`);
  const title = 'Published live: your rate, locked for 60 days';
  await expect(hero.getByText(title).count()).resolves.toBe(0);

  const file = join(dir, 'demo.json');
  const doc = JSON.parse(readFileSync('rules/demo.json', 'utf8'));
  for (const offer of doc.offers) if (offer.banner) offer.banner.title = title;
  writeFileSync(file, JSON.stringify(doc));
  const pushed = rules('push', file, '--message', 'new hero title');
  expect(pushed).toMatchObject({ code: 0 });
  expect(pushed.out).toContain('published as version 2 of demo');
  expect(rules('diff', file).out).toContain('same as the live version 2');

  await page.reload();
  await hero.getByText(title).waitFor({ timeout: PATIENCE_MS });

  const versions = rules('versions', 'demo').out;
  expect(versions).toMatch(/\*\s+2 .+ new hero title/);
  expect(versions).toMatch(/ {2}\s+1 {2}\S+ .*bundle/);
  expect(rules('rollback', 'demo', '1')).toMatchObject({ code: 0 });
  await page.reload();
  await expect(hero.getByText(title).count()).resolves.toBe(0);
  await hero
    .locator('*')
    .first()
    .waitFor({ timeout: PATIENCE_MS })
    .catch(() => {});
  expect(rules('diff', file)).toMatchObject({ code: 1 });
});
