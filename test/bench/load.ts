// The full load and fault run: N visitors × M events against the real worker on workerd
// (Miniflare, persisted state), then every profile read back and checked. Flags:
//   --visitors 2000 --events 20 --concurrency 16   the load
//   --duplicate --reorder --skew 6                  every batch twice, some swapped, clocks ±6 h
//   --restart                                       kill and restart the worker halfway
// Afterwards the D1 rollups are checked against the profiles, per visitor and in total (system/rollups.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startMiniflare } from '../../worker/scripts/miniflare.mjs';
import { percentile, runLoad } from '../system/load';
import { checkRollups, rollupSummary } from '../system/rollups';

const { values } = parseArgs({
  options: {
    visitors: { type: 'string', default: '2000' },
    events: { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '16' },
    duplicate: { type: 'boolean', default: false },
    reorder: { type: 'boolean', default: false },
    skew: { type: 'string', default: '0' },
    restart: { type: 'boolean', default: false },
  },
});

const apiKey = 'load-bench';
const bindings = { NB_API_KEY: apiKey, NB_RATE_LIMIT_IP: 'off' };
const persist = mkdtempSync(join(tmpdir(), 'nextbest-load-'));
let worker = await startMiniflare({ persist, bindings });
const port = Number(new URL(worker.url).port);
const name = values.restart ? 'load_restart' : values.duplicate ? 'load_duplicates' : 'load';
const visitors = Number(values.visitors);
const eventsPerVisitor = Number(values.events);
console.error(`${name}: ${visitors} visitors × ${eventsPerVisitor} events, ${values.concurrency} connections…`);

try {
  const report = await runLoad({
    url: () => worker.url,
    apiKey,
    visitors,
    eventsPerVisitor,
    concurrency: Number(values.concurrency),
    duplicate: values.duplicate,
    reorder: values.reorder,
    skewHours: Number(values.skew),
    midway: values.restart
      ? async () => {
          console.error(`${name}: killing and restarting the worker`);
          await worker.stop();
          worker = await startMiniflare({ persist, port, bindings });
        }
      : undefined,
  });
  console.log(`${name}_events_per_s: ${Math.round(report.events / report.seconds)} events/s`);
  console.log(`${name}_batch_p50: ${percentile(report.latencies, 50).toFixed(1)} ms`);
  console.log(`${name}_batch_p99: ${percentile(report.latencies, 99).toFixed(1)} ms`);
  console.log(`${name}_retries: ${report.retries} requests`);
  console.log(`${name}_lost: ${report.lost} events`);
  console.log(`${name}_doubled: ${report.doubled} events`);
  console.log(`${name}_score_mismatches: ${report.scoreMismatches} visitors`);
  for (const problem of report.problems.slice(0, 10)) console.error(problem);
  // After a kill, Miniflare's in-memory queue has lost what it held: rollups may only fall short.
  const mode = values.restart ? 'at-most' : 'exact';
  const rollups = await checkRollups({ mf: worker.mf, url: worker.url, apiKey }, report.truth, {
    mode,
    log: (line) => console.error(`${name}: ${line}`),
  });
  console.log(`${name}_rollup_events: ${rollups.seen} of ${rollups.expected} events`);
  console.log(`${name}_rollup_wait: ${rollups.waitedSeconds.toFixed(1)} s`);
  console.log(`${name}_rollup_mismatched_visitors: ${rollups.mismatched} visitors`);
  console.log(`${name}_rollup_over_counted_visitors: ${rollups.over} visitors`);
  console.log(`${name}_rollup_mismatched_totals: ${rollups.totalMismatches} figures`);
  for (const problem of rollups.problems.slice(0, 10)) console.error(problem);
  console.log(`${name}_${rollupSummary(rollups, mode)}`);
  process.exitCode =
    report.lost || report.doubled || report.scoreMismatches || rollups.over || rollups.mismatched || rollups.totalMismatches
      ? 1
      : 0;
} finally {
  await worker.stop();
  rmSync(persist, { recursive: true, force: true });
}
