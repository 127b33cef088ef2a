// Collect and decide against their floor, interleaved, on Miniflare (workerd) without wrangler's dev
// proxy. The floor is a bench-only route (test/bench/peers/floor.ts, bundled as the worker is) that
// reads the same body and calls a Durable Object per visitor that writes one row (collect's floor)
// or reads one row (decide's). Each round runs collect, its floor, decide, its floor (the order turns
// every round), autocannon with 10 connections, the same bodies and visitors; medians of the rounds'
// p50 with min–max, and the load average. Each run starts once workerd is idle: what a collect run
// leaves behind (its last alarms, the queue, the consumer) would otherwise slow the run after it.
import autocannon from 'autocannon';
import { collectBody, decideBody, EVENTS_PER_BATCH, startFloorWorker, USER_AGENT } from './peers/floor-worker.mjs';
import { load, summary } from './stats.mjs';
import { untilIdle } from './workerd-cpu.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const CONNECTIONS = 10;
// Enough visitors that none exceeds its own rate limit (60 batches at once, then 1 a second).
const VISITORS = Number(process.env.BENCH_VISITORS ?? 200);

const worker = await startFloorWorker();
let sequence = 0;
const visitor = () => `bench-visitor-${sequence++ % VISITORS}`;

const routes = {
  collect: ['/v1/collect', () => collectBody(visitor())],
  collect_floor: ['/bench/floor/write', () => collectBody(visitor())],
  decide: ['/v1/decide', () => decideBody(visitor())],
  decide_floor: ['/bench/floor/read', () => decideBody(visitor())],
};

/**
 * One autocannon run; `p50` is the median of the answered (2xx) requests' own times, which autocannon
 * measures in fractions of a millisecond but keeps in its histogram as whole milliseconds (a 4 against
 * 7 ms ratio would otherwise move by a sixth with one step of rounding).
 */
function run([path, body], duration = SECONDS) {
  const times = [];
  let serverErrors = 0;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: worker.url,
        connections: CONNECTIONS,
        duration,
        requests: [
          {
            method: 'POST',
            path,
            headers: { 'content-type': 'text/plain', 'user-agent': USER_AGENT },
            setupRequest: (request) => ({ ...request, body: body() }),
          },
        ],
      },
      (error, result) => (error ? reject(error) : resolve({ ...result, p50: median(times), serverErrors })),
    );
    instance.on('response', (_client, status, _bytes, ms) => (status < 300 ? times.push(ms) : status >= 500 && serverErrors++));
  });
}

function median(values) {
  const sorted = values.sort((a, b) => a - b);
  return sorted.length ? (sorted[(sorted.length - 1) >> 1] + sorted[sorted.length >> 1]) / 2 : NaN;
}

const p50 = Object.fromEntries(Object.keys(routes).map((name) => [name, []]));
const rps = Object.fromEntries(Object.keys(routes).map((name) => [name, []]));
const errors = Object.fromEntries(Object.keys(routes).map((name) => [name, 0]));
const serverErrors = Object.fromEntries(Object.keys(routes).map((name) => [name, 0]));
const loads = [];
try {
  // Warm-up: the first requests compile the worker and create every visitor's objects.
  for (const route of Object.values(routes)) await run(route, 2);
  for (let round = 0; round < ROUNDS; round++) {
    loads.push(Number(load()));
    const names = Object.keys(routes);
    for (const name of round % 2 ? names.reverse() : names) {
      await untilIdle(1);
      const result = await run(routes[name]);
      p50[name].push(result.p50);
      rps[name].push(result.requests.average);
      errors[name] += result.errors + result.non2xx;
      serverErrors[name] += result.serverErrors;
    }
  }
} finally {
  await worker.stop();
}
const l = summary(loads, 2).text;
for (const name of Object.keys(routes)) {
  console.log(`api_${name}_p50: ${summary(p50[name], 2).text} ms, median (min–max) of ${ROUNDS} rounds, load average ${l}`);
  console.log(`api_${name}_requests_per_s: ${summary(rps[name], 0).text} req/s`);
  if (errors[name]) console.log(`api_${name}_errors: ${errors[name]} requests`);
  // The worker must never answer 5xx to a valid request: one is a bug, and fails the bench.
  if (serverErrors[name]) {
    console.log(`api_${name}_server_errors: ${serverErrors[name]} answers 5xx`);
    process.exitCode = 1;
  }
}
const ratio = (a, b) => (summary(p50[a]).median / Math.max(summary(p50[b]).median, 0.001)).toFixed(2);
console.log(`collect_vs_do_floor_p50: ${ratio('collect', 'collect_floor')} x (target ≤ 1.3)`);
console.log(`decide_vs_do_floor_p50: ${ratio('decide', 'decide_floor')} x (target ≤ 1.2)`);
console.log(`collect_events_per_s: ${Math.round(summary(rps.collect).median * EVENTS_PER_BATCH)} events/s`);
