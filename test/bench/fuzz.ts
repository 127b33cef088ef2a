// `npm run bench:fuzz`: hostile requests (test/system/fuzz-requests.ts) against the bundled worker
// on workerd (Miniflare), the answers printed as `status: count` lines; exits non-zero on any 5xx
// or request without an answer, after listing each kind with the requests that caused it. Flags:
//   --count 100000 --seed 13 --concurrency 8   how many requests, which ones, how many at a time
//   --max-seconds 1200                         start no request after this long
import { readdirSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startMiniflare } from '../../worker/scripts/miniflare.mjs';
import { fuzzRequests } from '../system/fuzz-requests';
import { failureLines, isFailure, runFuzz, statusLines } from '../system/fuzz-run';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '100000' },
    seed: { type: 'string', default: '13' },
    concurrency: { type: 'string', default: '8' },
    'max-seconds': { type: 'string', default: '1200' },
  },
});

function whole(flag: keyof typeof values, min: number): number {
  const value = Number(values[flag]);
  if (!Number.isInteger(value) || value < min) {
    console.error(`bench:fuzz: --${flag} must be a whole number from ${min}, not "${values[flag]}"`);
    process.exit(2);
  }
  return value;
}

const count = whole('count', 1);
const seed = whole('seed', 0);
const concurrency = whole('concurrency', 1);
const maxSeconds = whole('max-seconds', 1);

/**
 * CPU seconds used by this process's descendants (workerd) on Linux, from /proc: unlike the run's
 * wall time, a figure that other work on a shared machine does not inflate.
 */
function childCpuSeconds(): number | undefined {
  try {
    const stats = readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .flatMap((pid) => {
        try {
          const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
          return [{ pid: Number(pid), ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) }];
        } catch {
          return []; // the process ended while being read
        }
      });
    const ours = new Set([process.pid]);
    let total = 0;
    for (let grew = true; grew;) {
      grew = false;
      for (const stat of stats) {
        if (!ours.has(stat.pid) && ours.has(stat.ppid)) (ours.add(stat.pid), (total += stat.ticks), (grew = true));
      }
    }
    return total / 100; // USER_HZ
  } catch {
    return undefined;
  }
}

const apiKey = 'fuzz-bench';
const worker = await startMiniflare({ bindings: { NB_API_KEY: apiKey, NB_RATE_LIMIT_IP: 'off' } });
console.error(`fuzz: ${count} requests, seed ${seed}, ${concurrency} at a time, at most ${maxSeconds} s…`);
const cpuBefore = { worker: childCpuSeconds(), bench: process.cpuUsage() };

let answered = 0;
let failed = 0;
const progress = setInterval(
  () => console.error(`fuzz: ${answered} answered, ${failed} failed, ${Math.round((100 * answered) / count)}%`),
  10_000,
);
try {
  const report = await runFuzz({
    url: worker.url,
    requests: fuzzRequests(count, { seed, apiKey, victim: 'fuzz-victim-visitor', now: Date.now() }),
    concurrency,
    maxSeconds,
    onAnswer: ({ status }) => {
      answered++;
      if (isFailure(status)) failed++;
    },
  });
  clearInterval(progress);
  const workerCpu = childCpuSeconds();
  const benchCpu = process.cpuUsage(cpuBefore.bench);
  for (const line of failureLines(report)) console.error(line);
  for (const line of statusLines(report)) console.log(line);
  console.log(`fuzz_requests: ${report.sent} requests`);
  console.log(`fuzz_seconds: ${report.seconds.toFixed(1)} s`);
  console.log(`fuzz_failures: ${failed} requests`);
  console.log(`fuzz_requests_per_s: ${(report.sent / report.seconds).toFixed(0)} req/s`);
  if (workerCpu !== undefined && cpuBefore.worker !== undefined) {
    console.log(`fuzz_worker_cpu_ms_per_request: ${((1000 * (workerCpu - cpuBefore.worker)) / report.sent).toFixed(2)} ms`);
  }
  console.log(`fuzz_bench_cpu_ms_per_request: ${((benchCpu.user + benchCpu.system) / 1000 / report.sent).toFixed(2)} ms`);
  if (report.sent < count) console.error(`fuzz: stopped after ${maxSeconds} s with ${count - report.sent} requests unsent`);
  process.exitCode = failed > 0 ? 1 : 0;
} finally {
  clearInterval(progress);
  await worker.stop();
}
