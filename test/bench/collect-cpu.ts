// Where one collect request's time goes on workerd, one request at a time (no queueing): its wall
// time and workerd's CPU during it, against the Durable Object floor (test/bench/peers/floor.ts) on
// the same bodies; then the CPU that follows a collect request once it has answered (the visitor's
// alarm, the queue send, the consumer's D1 writes), read after the background work goes quiet.
// Local workerd: the worker, every object and D1 share one process, so CPU is all of them.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { bundleWorker, startMiniflare } from '../../worker/scripts/miniflare.mjs';
import { median, workerdCpuMs } from './workerd-cpu';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 300);
const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';
const worker = await startMiniflare({
  // BENCH_BUNDLE measures another build of test/bench/peers/floor.ts (one with a part switched off, say).
  script: process.env.BENCH_BUNDLE
    ? readFileSync(process.env.BENCH_BUNDLE, 'utf8')
    : bundleWorker('.cache/deploy-floor', 'test/bench/peers/floor.ts'),
  durableObjects: { FLOOR: { className: 'Floor', useSQLite: true } },
  bindings: { NB_API_KEY: 'bench', NB_RATE_LIMIT_IP: 'off' },
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function body(vid: string): string {
  const now = Date.now();
  const events = Array.from({ length: 5 }, (_, i) => ({
    id: randomUUID().replaceAll('-', ''),
    ts: now - i,
    type: 'page',
    url: `https://demo.example/rates?i=${i}`,
  }));
  return JSON.stringify({ site: 'demo', vid, sent_at: now, slots: ['hero'], events });
}

/** Sends REQUESTS bodies one after another (each visitor twice, 2 s apart, within its token bucket). */
async function measure(path: string): Promise<{ wall: number; cpu: number }> {
  const walls: number[] = [];
  let cpu = 0;
  for (let i = 0; i < REQUESTS; i++) {
    const vid = `cpu-${path.length}-${i % (REQUESTS / 2)}`;
    const cpuBefore = workerdCpuMs();
    const started = performance.now();
    const response = await fetch(`${worker.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', 'user-agent': USER_AGENT },
      body: body(vid),
    });
    await response.arrayBuffer();
    walls.push(performance.now() - started);
    cpu += workerdCpuMs() - cpuBefore;
  }
  return { wall: median(walls), cpu: cpu / REQUESTS };
}

/** workerd's CPU from now until it stays idle for 3 s (alarms, queue, consumer). */
async function background(): Promise<number> {
  const start = workerdCpuMs();
  let last = start;
  for (let quiet = 0; quiet < 3;) {
    await sleep(1000);
    const now = workerdCpuMs();
    quiet = now - last < 15 ? quiet + 1 : 0;
    last = now;
  }
  return last - start;
}

try {
  await measure('/bench/floor/write');
  await measure('/v1/collect');
  await background();
  const floor = await measure('/bench/floor/write');
  const floorAfter = await background();
  const collect = await measure('/v1/collect');
  const collectAfter = await background();
  const line = (name: string, { wall, cpu }: { wall: number; cpu: number }, after: number) =>
    console.log(
      `${name}: wall p50 ${wall.toFixed(1)} ms, workerd CPU ${cpu.toFixed(2)} ms during + ${(after / REQUESTS).toFixed(2)} ms after, per request`,
    );
  line('collect_floor', floor, floorAfter);
  line('collect', collect, collectAfter);
} finally {
  await worker.stop();
}
