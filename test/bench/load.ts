// The full load and fault run: N visitors × M events against the real worker on workerd
// (Miniflare, persisted state), then every profile read back and checked. Flags:
//   --visitors 2000 --events 20 --concurrency 16   the load (at most 50 events per visitor)
//   --max-seconds 600                               start no batch after this long
//   --duplicate --reorder --skew 6                  every batch twice, some swapped, clocks ±6 h
//   --restart                                       kill and restart the worker halfway
//   --lease 300                                     seconds a sent analytics message first waits for
//                                                   D1 before the visitor's outbox sends it again
// Afterwards the D1 rollups are checked against the profiles, per visitor and in total (system/rollups.ts).
// The plain run (no --duplicate, --restart) also sends the same batches to the Durable Object floor
// (test/bench/peers/floor.ts: the body read, one object per visitor writing one row), once before
// and once after, each on a fresh worker: what this machine gives a worker that does almost nothing
// per batch, printed beside the figure as load_floor_events_per_s and load_vs_floor.
// The worker runs with its D1 calls counted (peers/d1-tally.ts): statements and rows written per
// event sent, by the queue consumer (read once it has caught up) and by the visitors' objects and
// the routes (read at the end of the load, before the checks' own reads). At the end it also prints
// what the worker reported besides its answers: how many messages the events consumer sent back to
// the local queue, and the distinct lines the worker wrote to stderr (a failed chunk, a failed alarm).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { parseArgs, stripVTControlCharacters } from 'node:util';
import { Log, LogLevel } from 'miniflare';
import { bundleWorker, startMiniflare } from '../../worker/scripts/miniflare.mjs';
import { MAX_EVENTS_PER_VISITOR, percentile, runLoad } from '../system/load';
import { checkRollups, rollupSummary } from '../system/rollups';

const { values } = parseArgs({
  options: {
    visitors: { type: 'string', default: '2000' },
    events: { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '16' },
    'max-seconds': { type: 'string', default: '600' },
    duplicate: { type: 'boolean', default: false },
    reorder: { type: 'boolean', default: false },
    skew: { type: 'string', default: '0' },
    restart: { type: 'boolean', default: false },
    lease: { type: 'string', default: '300' },
  },
});

function whole(flag: keyof typeof values, min: number, max = Infinity): number {
  const value = Number(values[flag]);
  if (!Number.isInteger(value) || value < min || value > max) {
    console.error(
      `bench:load: --${flag} must be a whole number from ${min}${max < Infinity ? ` to ${max}` : ''}, not "${values[flag]}"`,
    );
    process.exit(2);
  }
  return value;
}

const visitors = whole('visitors', 1);
const eventsPerVisitor = whole('events', 1, MAX_EVENTS_PER_VISITOR);
const concurrency = whole('concurrency', 1);
const maxSeconds = whole('max-seconds', 1);
const skewHours = whole('skew', 0);
const lease = whole('lease', 1);

/**
 * Miniflare's log and workerd's stderr, read as the run goes. The local queue logs each delivery to
 * a consumer as "QUEUE <queue> <acknowledged>/<delivered>"; the rest of the worker's output is passed
 * through and its lines counted, numbers masked, so that retries of the same failure group together.
 */
class WorkerReport extends Log {
  deliveries = 0;
  delivered = 0;
  sentBack = 0;
  readonly errors = new Map<string, number>();

  constructor() {
    super(LogLevel.INFO);
  }

  override logWithLevel(level: LogLevel, message: string): void {
    const line = stripVTControlCharacters(message);
    const delivery = /^QUEUE nextbest-events (\d+)\/(\d+)/.exec(line);
    if (delivery) {
      this.deliveries++;
      this.delivered += Number(delivery[2]);
      this.sentBack += Number(delivery[2]) - Number(delivery[1]);
    } else if (level <= LogLevel.WARN) {
      this.count(line);
      console.error(line);
    }
  }

  readonly handleRuntimeStdio = (stdout: Readable, stderr: Readable): void => {
    stdout.pipe(process.stdout);
    createInterface({ input: stderr }).on('line', (line) => {
      console.error(line);
      // A stack trace's frames belong to the line above them.
      if (!/^\s+at /.test(line)) this.count(line);
    });
  };

  private count(line: string): void {
    const key = line.replace(/\d+/g, 'N').slice(0, 300);
    this.errors.set(key, (this.errors.get(key) ?? 0) + 1);
  }
}

const apiKey = 'load-bench';
// A restart run takes a short lease (e.g. --lease 20), so that the messages the kill loses are sent
// again within the run; 300 s is the production default.
const bindings = { NB_API_KEY: apiKey, NB_RATE_LIMIT_IP: 'off', NB_OUTBOX_LEASE_SECONDS: String(lease) };
const persist = mkdtempSync(join(tmpdir(), 'nextbest-load-'));
const script = bundleWorker('.cache/deploy-d1-tally', 'test/bench/peers/d1-tally.ts');
const workerReport = new WorkerReport();
const { handleRuntimeStdio } = workerReport;
let worker = await startMiniflare({ persist, bindings, script, log: workerReport, handleRuntimeStdio });

type Tally = { calls: number; statements: number; rows_written: number; rows_read: number; ms: number };
type Tallies = Record<'consumer' | 'visitor' | 'fetch' | 'webhooks', Tally>;
/** The D1 counts of the worker's isolate, plus those of an isolate stopped midway (--restart). */
let before: Tallies | undefined;
async function d1Tallies(): Promise<Tallies> {
  const now = (await (await fetch(`${worker.url}/bench/d1`)).json()) as Tallies;
  if (!before) return now;
  const sum = (a: Tally, b: Tally): Tally => ({
    calls: a.calls + b.calls,
    statements: a.statements + b.statements,
    rows_written: a.rows_written + b.rows_written,
    rows_read: a.rows_read + b.rows_read,
    ms: a.ms + b.ms,
  });
  return {
    consumer: sum(before.consumer, now.consumer),
    visitor: sum(before.visitor, now.visitor),
    fetch: sum(before.fetch, now.fetch),
    webhooks: sum(before.webhooks, now.webhooks),
  };
}
function databaseBytes(dir: string, events: number): string {
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((file) => join(dir, file));
  const database = files.find((file) => file.endsWith('.sqlite') && !file.endsWith('metadata.sqlite'));
  const shell = database
    ? spawnSync(
        'sqlite3',
        [
          database,
          'PRAGMA wal_checkpoint(TRUNCATE);',
          'SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size();',
        ],
        { encoding: 'utf8' },
      )
    : undefined;
  const pages = Number(shell?.stdout.trim().split('\n').at(-1));
  const [bytes, what] =
    shell?.status === 0 && pages > 0
      ? [pages, 'pages']
      : [
          files
            .map((file) => statSync(file))
            .filter((stat) => stat.isFile())
            .reduce((sum, stat) => sum + stat.size, 0),
          'files with WAL',
        ];
  return `${Math.round(bytes / events)} B (local SQLite ${what}: ${(bytes / 1e6).toFixed(1)} MB, the empty schema included)`;
}
const port = Number(new URL(worker.url).port);
const withFloor = !values.restart && !values.duplicate;
const floorScript = withFloor ? bundleWorker('.cache/deploy-floor', 'test/bench/peers/floor.ts') : '';
const floorRuns: number[] = [];
/** Events per second of the same plan against the floor, on a worker of its own. */
async function floorRun(): Promise<void> {
  const floor = await startMiniflare({
    script: floorScript,
    durableObjects: { FLOOR: { className: 'Floor', useSQLite: true } },
    bindings,
  });
  try {
    const run = await runLoad({ url: () => floor.url, apiKey, visitors, eventsPerVisitor, concurrency, maxSeconds, floor: true });
    floorRuns.push(run.events / run.seconds);
    console.error(`load_floor: ${Math.round(run.events / run.seconds)} events/s`);
  } finally {
    await floor.stop();
  }
}
const name = values.restart ? 'load_restart' : values.duplicate ? 'load_duplicates' : 'load';
console.error(`${name}: ${visitors} visitors × ${eventsPerVisitor} events, ${concurrency} connections…`);

try {
  if (withFloor) await floorRun();
  const report = await runLoad({
    url: () => worker.url,
    apiKey,
    visitors,
    eventsPerVisitor,
    concurrency,
    maxSeconds,
    duplicate: values.duplicate,
    reorder: values.reorder,
    skewHours,
    midway: values.restart
      ? async () => {
          console.error(`${name}: killing and restarting the worker`);
          before = await d1Tallies();
          await worker.stop();
          worker = await startMiniflare({ persist, port, bindings, script, log: workerReport, handleRuntimeStdio });
        }
      : undefined,
  });
  const duringLoad = await d1Tallies();
  console.log(`${name}_events_per_s: ${Math.round(report.events / report.seconds)} events/s`);
  console.log(`${name}_batch_p50: ${percentile(report.latencies, 50).toFixed(1)} ms`);
  console.log(`${name}_batch_p99: ${percentile(report.latencies, 99).toFixed(1)} ms`);
  console.log(`${name}_retries: ${report.retries} requests`);
  const errors = Object.entries(report.errors).map(([kind, n]) => `${kind} ×${n}`);
  console.log(
    `${name}_errors: ${Object.values(report.errors).reduce((a, b) => a + b, 0)} requests${errors.length ? ` (${errors.join(', ')})` : ''}`,
  );
  console.log(`${name}_abandoned_batches: ${report.abandonedBatches} batches`);
  console.log(`${name}_unsent_batches: ${report.unsentBatches} batches (--max-seconds ${maxSeconds})`);
  console.log(`${name}_lost: ${report.lost} events`);
  console.log(`${name}_doubled: ${report.doubled} events`);
  console.log(`${name}_score_mismatches: ${report.scoreMismatches} visitors`);
  console.log(`${name}_clock_mismatches: ${report.clockMismatches} events`);
  for (const problem of report.problems.slice(0, 10)) console.error(problem);
  const rollups = await checkRollups({ mf: worker.mf, url: worker.url, apiKey }, report.truth, {
    answersLost: values.restart,
    // Messages lost at a kill are sent again once their lease ends: wait at least that long.
    quietSeconds: values.restart ? lease + 15 : 15,
    log: (line) => console.error(`${name}: ${line}`),
  });
  console.log(`${name}_rollup_events: ${rollups.seen} of ${rollups.expected} events`);
  console.log(`${name}_rollup_wait: ${rollups.waitedSeconds.toFixed(1)} s`);
  console.log(`${name}_rollup_mismatched_visitors: ${rollups.mismatched} visitors`);
  console.log(`${name}_rollup_over_counted_visitors: ${rollups.over} visitors`);
  console.log(`${name}_rollup_mismatched_totals: ${rollups.totalMismatches} figures`);
  for (const problem of rollups.problems.slice(0, 10)) console.error(problem);
  console.log(`${name}_${rollupSummary(rollups)}`);
  const afterDrain = await d1Tallies();
  const perEvent = (n: number) => (n / report.events).toFixed(2);
  const { consumer } = afterDrain;
  console.log(
    `${name}_d1_statements_per_event: ${perEvent(consumer.statements)} statements (queue consumer, in ${consumer.calls} D1 batches)`,
  );
  console.log(
    `${name}_d1_rows_written_per_event: ${perEvent(consumer.rows_written)} rows (queue consumer; rows read ${perEvent(consumer.rows_read)}; D1's own time ${((consumer.ms / report.events) * 1000).toFixed(0)} µs)`,
  );
  for (const [origin, tally] of [
    ['visitor', afterDrain.visitor],
    ['routes', duringLoad.fetch],
    ['webhooks', afterDrain.webhooks],
  ] as const)
    console.log(
      `${name}_d1_${origin}_per_event: ${perEvent(tally.statements)} statements, ${perEvent(tally.rows_written)} rows written, ${perEvent(tally.rows_read)} read (${tally.calls} calls)`,
    );
  console.log(
    `${name}_queue_sent_back: ${workerReport.sentBack} messages (of ${workerReport.delivered} delivered to the events consumer in ${workerReport.deliveries} batches)`,
  );
  const errorLines = [...workerReport.errors].map(([line, n]) => `\n  ×${n} ${line}`);
  console.log(`${name}_worker_errors: ${errorLines.length} distinct lines${errorLines.join('')}`);
  // The database's size over the events it holds, what 10 GB allows: its pages once the WAL is
  // written back (sqlite3's shell, where installed), else the files with their WAL.
  await worker.stop();
  console.log(`${name}_d1_bytes_per_event: ${databaseBytes(`${persist}/d1`, report.events)}`);
  if (withFloor) {
    await floorRun();
    const floorMean = (floorRuns[0] + floorRuns[1]) / 2;
    console.log(
      `load_floor_events_per_s: ${Math.round(floorMean)} events/s, mean of one run before and one after (${floorRuns.map(Math.round).join(', ')}), load average ${loadavg()[0].toFixed(2)}`,
    );
    console.log(`load_vs_floor: ${(report.events / report.seconds / floorMean).toFixed(2)} x of the floor's throughput`);
  }
  process.exitCode =
    report.lost ||
    report.doubled ||
    report.scoreMismatches ||
    report.clockMismatches ||
    report.abandonedBatches ||
    rollups.mismatched ||
    rollups.totalMismatches
      ? 1
      : 0;
} finally {
  await worker.stop();
  rmSync(persist, { recursive: true, force: true });
}
