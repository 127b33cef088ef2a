// The worker that collect and decide are timed on, and the bodies they are sent: test/bench/peers/floor.ts (the worker plus the
// floor routes), bundled as `wrangler deploy` would, on Miniflare. BENCH_BUNDLE runs another build of
// it instead (`wrangler deploy --dry-run --outdir <dir> test/bench/peers/floor.ts` on a changed copy),
// so that a change can be measured against main with the same bench.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { bundleWorker, startMiniflare } from '../../../worker/scripts/miniflare.mjs';

/** Page views per collect body. */
export const EVENTS_PER_BATCH = 5;

/** A collect body of EVENTS_PER_BATCH page views, new event ids each time. */
export function collectBody(vid) {
  const now = Date.now();
  const events = Array.from({ length: EVENTS_PER_BATCH }, (_, i) => ({
    id: randomUUID().replaceAll('-', ''),
    ts: now - i,
    type: 'page',
    url: `https://demo.example/rates?i=${i}`,
  }));
  return JSON.stringify({ site: 'demo', vid, sent_at: now, slots: ['hero'], events });
}

export const decideBody = (vid) => JSON.stringify({ site: 'demo', vid, slots: ['hero'] });

/** A browser's user agent: the worker drops what bots send. */
export const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';

/** `minify: false` and `inspectorPort` for a CPU profile (test/bench/profile.ts). */
export function startFloorWorker({ minify = true, inspectorPort } = {}) {
  return startMiniflare({
    script: process.env.BENCH_BUNDLE
      ? readFileSync(process.env.BENCH_BUNDLE, 'utf8')
      : bundleWorker(minify ? '.cache/deploy-floor' : '.cache/deploy-floor-readable', 'test/bench/peers/floor.ts', { minify }),
    inspectorPort,
    durableObjects: { FLOOR: { className: 'Floor', useSQLite: true } },
    bindings: { NB_API_KEY: 'bench', NB_RATE_LIMIT_IP: 'off' },
  });
}
