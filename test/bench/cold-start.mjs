// Cold start, interleaved: the bundle `wrangler deploy` ships against an empty Hono app bundled the
// same way (wrangler deploy --dry-run, wrangler.toml's minify and aliases), each started by Miniflare
// with the same bindings. A round spawns workerd with one of them and times spawn to the first answer
// of GET /v1/health, A B A B …; also the size of the deploy bundle, gzip (what wrangler reports).
import { gzipSync } from 'node:zlib';
import { bundleWorker, startMiniflare } from '../../worker/scripts/miniflare.mjs';
import { load, summary } from './stats.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const worker = bundleWorker('.cache/deploy');
const hono = bundleWorker('.cache/deploy-hono', 'test/bench/peers/hono-empty.ts');
console.log(`worker_bundle_gzip_bytes: ${gzipSync(worker).length} bytes (raw ${worker.length})`);
console.log(`hono_bundle_gzip_bytes: ${gzipSync(hono).length} bytes`);

async function coldStart(script) {
  const start = performance.now();
  const running = await startMiniflare({ script, migrate: false });
  const response = await fetch(`${running.url}/v1/health`);
  await response.arrayBuffer();
  const ms = performance.now() - start;
  await running.stop();
  if (!response.ok) throw new Error(`health answered ${response.status}`);
  return ms;
}

const times = { worker: [], hono: [] };
const loads = [];
await coldStart(hono); // the first spawn warms the disk cache for both
for (let round = 0; round < ROUNDS; round++) {
  loads.push(Number(load()));
  const order = round % 2 ? ['hono', 'worker'] : ['worker', 'hono'];
  for (const name of order) times[name].push(await coldStart(name === 'worker' ? worker : hono));
}
const w = summary(times.worker);
const h = summary(times.hono);
const l = summary(loads, 2);
console.log(`worker_cold_start_ms: ${w.text} ms, median (min–max) of ${ROUNDS}, load average ${l.text}`);
console.log(`hono_cold_start_ms: ${h.text} ms, same rounds`);
console.log(`worker_cold_start_vs_hono: ${(w.median / h.median).toFixed(2)} x (target ≤ 1.5)`);
// Most of either figure is workerd's own start: the paired difference is what the bundle adds.
const added = summary(times.worker.map((ms, i) => ms - times.hono[i]));
console.log(`worker_cold_start_added_ms: ${added.text} ms, worker minus Hono in the same round`);
