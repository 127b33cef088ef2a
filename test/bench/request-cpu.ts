// Where one collect or decide request's time goes on workerd, one request at a time (no queueing):
// its wall time and workerd's CPU during it, against the Durable Object floor
// (test/bench/peers/floor.ts: one row written for collect, one read for decide) on the same bodies
// and visitors; then the CPU that follows once it has answered (for collect, the visitor's alarm, the
// queue send, the consumer's D1 writes), read after the background work goes quiet. Decide asks for
// the visitors that collect stored (twenty page views each). Local workerd: the worker, every object and
// D1 share one process, so CPU is all of them.
import { collectBody, decideBody, startFloorWorker, USER_AGENT } from './peers/floor-worker.mjs';
import { median, untilIdle, workerdCpuMs } from './workerd-cpu.mjs';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 300);
const worker = await startFloorWorker();

/**
 * Sends REQUESTS bodies one after another, to REQUESTS / 2 visitors named after `visitors` (each
 * twice, 2 s apart, within its token bucket).
 */
async function measure(path: string, body: (vid: string) => string, visitors: string): Promise<{ wall: number; cpu: number }> {
  const walls: number[] = [];
  let cpu = 0;
  for (let i = 0; i < REQUESTS; i++) {
    const vid = `cpu-${visitors}-${i % (REQUESTS / 2)}`;
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

const routes = {
  collect_floor: () => measure('/bench/floor/write', collectBody, 'floor'),
  collect: () => measure('/v1/collect', collectBody, 'visitor'),
  decide_floor: () => measure('/bench/floor/read', decideBody, 'floor'),
  decide: () => measure('/v1/decide', decideBody, 'visitor'),
};

try {
  // Warm-up: every route once; the visitors' first batches are stored and delivered.
  for (const run of Object.values(routes)) await run();
  await untilIdle(3);
  for (const [name, run] of Object.entries(routes)) {
    const { wall, cpu } = await run();
    const after = await untilIdle(3);
    console.log(
      `${name}: wall p50 ${wall.toFixed(1)} ms, workerd CPU ${cpu.toFixed(2)} ms during + ${(after / REQUESTS).toFixed(2)} ms after, per request`,
    );
  }
} finally {
  await worker.stop();
}
