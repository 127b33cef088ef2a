// Small versions of the load and fault runs (the full ones: npm run bench:load). The real worker on
// workerd via Miniflare, with state persisted to a temporary folder so it survives a restart.
import { afterEach, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMiniflare } from '../../worker/scripts/miniflare.mjs';
import { runLoad, type LoadReport } from './load';
import { checkRollups } from './rollups';

const API_KEY = 'system-test-key';
const bindings = { NB_API_KEY: API_KEY, NB_RATE_LIMIT_IP: 'off' };
let cleanup: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

async function start(persist: string, port = 0, faults: Partial<Parameters<typeof startMiniflare>[0]> = {}) {
  return startMiniflare({ persist, port, ...faults, bindings: { ...bindings, ...faults?.bindings } });
}

function expectExact(report: LoadReport) {
  expect(report.problems.slice(0, 5)).toEqual([]);
  const { lost, doubled, scoreMismatches, clockMismatches, abandonedBatches } = report;
  expect({ lost, doubled, scoreMismatches, clockMismatches, abandonedBatches }).toEqual({
    lost: 0,
    doubled: 0,
    scoreMismatches: 0,
    clockMismatches: 0,
    abandonedBatches: 0,
  });
}

function tempState(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nextbest-load-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

it('stores every event of 50 visitors × 10 events once, with scores equal to an offline replay', async () => {
  const worker = await start(tempState());
  cleanup.push(worker.stop);
  // Seed 7: among its 50 visitors some leave the application and fall in finish-app's holdout.
  const report = await runLoad({
    url: () => worker.url,
    apiKey: API_KEY,
    visitors: 50,
    eventsPerVisitor: 10,
    concurrency: 8,
    seed: 7,
  });
  expect(report.events).toBe(500);
  expectExact(report);
  const target = { mf: worker.mf, url: worker.url, apiKey: API_KEY };
  const rollups = await checkRollups(target, report.truth);
  expect(rollups.problems.slice(0, 5)).toEqual([]);
  expect(rollups).toMatchObject({ seen: 500, expected: 500, mismatched: 0, totalMismatches: 0 });
  // The load exercised what the check compares: holdouts and variants exposed, funnels, sessions.
  const exposures = report.truth.flatMap((visitor) => visitor.exposures);
  expect(exposures).toContain('finish-app/holdout');
  expect(exposures.filter((arm) => /^finish-app\/[ab]$/.test(arm)).length).toBeGreaterThan(0);

  // And it catches rollups that disagree: an impression counted twice in a visitor's row, a page
  // view missing from page_views, one too many in the daily counters that /v1/stats sums.
  const db = await worker.mf.getD1Database('DB');
  await db.exec(
    `UPDATE offer_visitors SET impressions = impressions + 1 WHERE rowid = (SELECT MIN(rowid) FROM offer_visitors WHERE impressions > 0)`,
  );
  await db.exec(`DELETE FROM page_views WHERE rowid = (SELECT MIN(rowid) FROM page_views)`);
  await db.exec(
    `UPDATE daily_counts SET n = n + 1 WHERE rowid = (SELECT MIN(rowid) FROM daily_counts WHERE metric = 'page_views')`,
  );
  const tampered = await checkRollups(target, report.truth);
  expect(tampered.over).toBe(1);
  expect(tampered.mismatched).toBeGreaterThanOrEqual(1);
  expect(tampered.totalMismatches).toBeGreaterThanOrEqual(1);
  const problems = tampered.problems.join('\n');
  expect(problems).toMatch(/offer\.[\w-]+\/[\w-]+\.impressions \d+ \(truth \d+\)/);
  expect(problems).toMatch(/page_rows \d+ \(truth \d+\)/);
  expect(problems).toMatch(/^\/v1\/stats: .*traffic\.page_views \d+ \(truth \d+\)/);
});

it('counts exactly when every batch is sent twice, some out of order, from clocks hours off', async () => {
  const worker = await start(tempState());
  cleanup.push(worker.stop);
  const report = await runLoad({
    url: () => worker.url,
    apiKey: API_KEY,
    visitors: 30,
    eventsPerVisitor: 10,
    concurrency: 6,
    duplicate: true,
    reorder: true,
    skewHours: 6,
    seed: 7,
  });
  expect(report.events).toBe(600);
  expectExact(report);
  // Delivered twice and out of order, still counted once in the rollups.
  const rollups = await checkRollups({ mf: worker.mf, url: worker.url, apiKey: API_KEY }, report.truth);
  expect(rollups.problems.slice(0, 5)).toEqual([]);
  expect(rollups).toMatchObject({ seen: 300, expected: 300, mismatched: 0, totalMismatches: 0 });
});

it('loses nothing and doubles nothing, in profiles and rollups, when the worker is killed and restarted mid-stream', async () => {
  const persist = tempState();
  // Miniflare's queue keeps its messages in memory, so the kill loses those not yet consumed: here
  // the consumer first gathers messages for 30 s (or 100 of them), so some are waiting. The
  // visitors' outboxes send them again once their (here short) lease ends unconfirmed.
  const lease = { bindings: { NB_OUTBOX_LEASE_SECONDS: '5' } };
  let worker = await start(persist, 0, { ...lease, eventsBatchSeconds: 30 });
  const port = Number(new URL(worker.url).port);
  cleanup.push(() => worker.stop());
  const report = await runLoad({
    url: () => worker.url,
    apiKey: API_KEY,
    visitors: 30,
    eventsPerVisitor: 10,
    concurrency: 6,
    paceMs: 500,
    seed: 11,
    midway: async () => {
      // The visitors' alarms hand their outboxes to the queue a second after a batch.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await worker.stop();
      worker = await start(persist, port, lease);
    },
  });
  expect(report.retries).toBeGreaterThan(0);
  expectExact(report);
  const rollups = await checkRollups({ mf: worker.mf, url: worker.url, apiKey: API_KEY }, report.truth, { answersLost: true });
  expect(rollups.problems.slice(0, 5)).toEqual([]);
  expect(rollups).toMatchObject({ seen: 300, expected: 300, mismatched: 0, over: 0, totalMismatches: 0 });
});
