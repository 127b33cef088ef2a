// Collect and decide latency next to an empty route on the same worker, on Miniflare (workerd)
// without wrangler's dev proxy: autocannon, 10 connections, 10 s per route.
import autocannon from 'autocannon';
import { randomUUID } from 'node:crypto';
import { startMiniflare } from '../../worker/scripts/miniflare.mjs';

const DURATION_S = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 10;
// Enough visitors that none exceeds its own rate limit (60 batches at once, then 1 a second).
const VISITORS = Number(process.env.BENCH_VISITORS ?? 200);
const EVENTS_PER_BATCH = 5;
const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';

const worker = await startMiniflare({ bindings: { NB_API_KEY: 'bench', NB_RATE_LIMIT_IP: 'off' } });
let sequence = 0;
const visitor = () => `bench-visitor-${sequence++ % VISITORS}`;

function collectBody() {
  const now = Date.now();
  const events = Array.from({ length: EVENTS_PER_BATCH }, (_, i) => ({
    id: randomUUID().replaceAll('-', ''),
    ts: now - i,
    type: 'page',
    url: `https://demo.example/rates?i=${i}`,
  }));
  return JSON.stringify({ site: 'demo', vid: visitor(), sent_at: now, slots: ['hero'], events });
}

function run(title, request) {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: worker.url,
        connections: CONNECTIONS,
        duration: DURATION_S,
        headers: { 'user-agent': USER_AGENT },
        requests: [request],
      },
      (error, result) => (error ? reject(error) : resolve({ title, result })),
    );
  });
}

const post = (path, body) => ({
  method: 'POST',
  path,
  headers: { 'content-type': 'text/plain', 'user-agent': USER_AGENT },
  setupRequest: (request) => ({ ...request, body: body() }),
});

try {
  // Warm-up: the first requests compile the worker and create objects.
  await run('warmup', post('/v1/collect', collectBody));
  const empty = await run('empty', { method: 'GET', path: '/v1/health' });
  const collect = await run('collect', post('/v1/collect', collectBody));
  const decide = await run(
    'decide',
    post('/v1/decide', () => JSON.stringify({ site: 'demo', vid: visitor(), slots: ['hero'] })),
  );
  for (const { title, result } of [empty, collect, decide]) {
    const errors = result.errors + result.non2xx;
    console.log(`api_${title}_p50: ${result.latency.p50} ms`);
    console.log(`api_${title}_p99: ${result.latency.p99} ms`);
    console.log(`api_${title}_requests_per_s: ${Math.round(result.requests.average)} req/s`);
    if (errors) console.log(`api_${title}_errors: ${errors} requests`);
  }
  const ratio = (a, b) => (a.result.latency.p50 / Math.max(b.result.latency.p50, 0.001)).toFixed(2);
  console.log(`collect_vs_empty_p50: ${ratio(collect, empty)} x`);
  console.log(`decide_vs_empty_p50: ${ratio(decide, empty)} x`);
  console.log(`collect_events_per_s: ${Math.round(collect.result.requests.average * EVENTS_PER_BATCH)} events/s`);
} finally {
  await worker.stop();
}
