// `npm run bench:preview`: how long the rules preview (POST /v1/rules/:site/preview) takes for 1,000
// visitors. Starts the worker on Miniflare (no wrangler dev proxy in front), seeds the demo site with
// `npm run demo:traffic` (1,100 visitors over 7 days, each noted active by its alarm), then runs
// rounds that interleave, in alternating order: a preview of 1,000 visitors and its peer of 100,
// each after an idle pause so that the visitors' Durable Objects are evicted and start cold (as last
// week's visitors would), a second 1,000 right after (the objects warm), and GET /v1/rules/demo
// (the floor: a request that reads D1 once). The draft is rules/demo.json with the welcome-back
// banner shown from 3 page views instead of 2.
// Prints `name: median unit (min–max, n runs)` per case with the visitors replayed, workerd's process
// CPU during the request (the worker, every Durable Object replaying and local D1 share that process:
// an upper bound of the request's own CPU) and the load average before and after.
// Flags: --visitors 1100 --days 7 --rounds 5 --idle 15 (seconds) --keep (the state, to inspect or
// reuse), --reuse <dir> (a kept state: no seeding).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startMiniflare } from '../../worker/scripts/miniflare.mjs';
import type { Preview } from '../../worker/schema/rules';
import { median, workerdCpuMs } from './workerd-cpu.mjs';

const { values } = parseArgs({
  options: {
    visitors: { type: 'string', default: '1100' },
    days: { type: 'string', default: '7' },
    rounds: { type: 'string', default: '5' },
    idle: { type: 'string', default: '15' },
    keep: { type: 'boolean', default: false },
    reuse: { type: 'string' },
  },
});
const ROUNDS = Number(values.rounds);
const IDLE_MS = Number(values.idle) * 1000;
const apiKey = 'preview-bench';
const print = (name: string, value: number | string, unit = '') => console.log(`${name}: ${value}${unit ? ` ${unit}` : ''}`);
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const persist = values.reuse ?? mkdtempSync(join(tmpdir(), 'nextbest-preview-'));
const worker = await startMiniflare({ persist, bindings: { NB_API_KEY: apiKey, NB_RATE_LIMIT_IP: 'off' } });
const db = await worker.mf.getD1Database('DB');

/** Visitors noted active (by their alarms, at the time they ran: all within the preview's window). */
const activeCount = async () =>
  (await db.prepare('SELECT count(*) AS n FROM active_visitors WHERE site = ?').bind('demo').first<number>('n'))!;

/** The demo traffic script against this worker; its progress goes to stderr, the figures to stdout. */
async function seed(): Promise<number> {
  const started = Date.now();
  const args = ['--url', worker.url, '--key', apiKey, '--visitors', values.visitors, '--days', values.days];
  const child = spawn('node', ['worker/scripts/demo-traffic.mjs', ...args, '--max-seconds', '600'], {
    stdio: ['ignore', 2, 'inherit'],
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`demo-traffic exited with ${code}`);
  // Each visitor's alarm notes it active; wait until the count stops growing.
  let last = -1;
  for (let i = 0; i < 60; i++) {
    const n = await activeCount();
    if (n === last) break;
    last = n;
    await sleep(2000);
  }
  return Date.now() - started;
}

function draftOf(live: { offers: Array<{ id: string; when?: unknown }> }) {
  const draft = structuredClone(live);
  draft.offers.find((offer) => offer.id === 'welcome-back')!.when = { 'counters.pages': { $gte: 3 } };
  return draft;
}
const draft = JSON.stringify(draftOf(JSON.parse(readFileSync('rules/demo.json', 'utf8'))));

interface Run {
  wall: number;
  cpu: number;
  status: number;
  preview?: Preview;
}

async function request(path: string, body?: string): Promise<Run> {
  const cpu0 = workerdCpuMs();
  const started = performance.now();
  // Straight to workerd: a request of several seconds outlives the keep-alive of Node's HTTP client.
  const response = await worker.mf.dispatchFetch(`${worker.url}${path}`, {
    method: body ? 'POST' : 'GET',
    headers: { authorization: `Bearer ${apiKey}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body,
  });
  const text = await response.text();
  const wall = performance.now() - started;
  const run: Run = { wall, cpu: workerdCpuMs() - cpu0, status: response.status };
  if (response.status !== 200) throw new Error(`${path} answered ${response.status}: ${text.slice(0, 300)}`);
  if (body) run.preview = JSON.parse(text) as Preview;
  return run;
}

const cases: Record<string, () => Promise<Run>> = {
  preview_1000_cold: async () => (await sleep(IDLE_MS), request('/v1/rules/demo/preview?sample=1000', draft)),
  preview_100_cold: async () => (await sleep(IDLE_MS), request('/v1/rules/demo/preview?sample=100', draft)),
};
const runs: Record<string, Run[]> = { preview_1000_cold: [], preview_1000_warm: [], preview_100_cold: [], get_rules_floor: [] };

const range = (list: number[]) => `${Math.min(...list).toFixed(0)}–${Math.max(...list).toFixed(0)}`;
function report(name: string, list: Run[]): void {
  const figure = (key: string, values: number[]) =>
    print(`${name}_${key}`, `${median(values).toFixed(0)} ms (${range(values)}, ${values.length} runs)`);
  figure(
    'wall_ms',
    list.map((r) => r.wall),
  );
  figure(
    'workerd_cpu_ms',
    list.map((r) => r.cpu),
  );
  const previews = list.flatMap((r) => (r.preview ? [r.preview] : []));
  if (!previews.length) return;
  figure(
    'elapsed_ms',
    previews.map((p) => p.elapsed_ms),
  );
  const { visitors, profiles } = previews[0].sample;
  print(`${name}_replayed`, `${visitors} visitors (${profiles} profiles), ${previews[0].changed} would change`);
}

try {
  if (!values.reuse) print('preview_seed_ms', await seed(), 'ms');
  print('preview_active_visitors', await activeCount(), 'visitors');
  print('loadavg_before', loadavg());
  await request('/v1/rules/demo'); // warm: the bundle compiled, the live rules read
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? ['preview_1000_cold', 'preview_100_cold'] : ['preview_100_cold', 'preview_1000_cold'];
    for (const name of order) {
      runs[name].push(await cases[name]());
      if (name === 'preview_1000_cold') runs.preview_1000_warm.push(await request('/v1/rules/demo/preview?sample=1000', draft));
      runs.get_rules_floor.push(await request('/v1/rules/demo'));
    }
    console.error(`round ${round + 1}/${ROUNDS} done, load ${loadavg()}`);
  }
  for (const [name, list] of Object.entries(runs)) report(name, list);
  print('loadavg_after', loadavg());
} finally {
  await worker.stop();
  if (values.keep || values.reuse) console.error(`state kept in ${persist}`);
  else rmSync(persist, { recursive: true, force: true });
}
