// The worker that collect and decide are timed on: test/bench/peers/floor.ts (the worker plus the
// floor routes), bundled as `wrangler deploy` would, on Miniflare. BENCH_BUNDLE runs another build of
// it instead (`wrangler deploy --dry-run --outdir <dir> test/bench/peers/floor.ts` on a changed copy),
// so that a change can be measured against main with the same bench.
import { readFileSync } from 'node:fs';
import { bundleWorker, startMiniflare } from '../../../worker/scripts/miniflare.mjs';

/** A browser's user agent: the worker drops what bots send. */
export const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';

export function startFloorWorker() {
  return startMiniflare({
    script: process.env.BENCH_BUNDLE
      ? readFileSync(process.env.BENCH_BUNDLE, 'utf8')
      : bundleWorker('.cache/deploy-floor', 'test/bench/peers/floor.ts'),
    durableObjects: { FLOOR: { className: 'Floor', useSQLite: true } },
    bindings: { NB_API_KEY: 'bench', NB_RATE_LIMIT_IP: 'off' },
  });
}
