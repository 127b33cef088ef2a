// `npm run bench:dashboard`: /v1/stats and /dashboard over 90 days of a site with 100,000 visitors.
// Fills D1 (Miniflare, the worker's own migrations) with rollup rows shaped like the demo's traffic,
// then measures per request: the wall time through the worker, the D1 time (the Server-Timing
// header: what D1 reported for its queries, wall time inside the database) and workerd's process
// CPU during the request. Local D1 runs its SQLite in that same process, so that CPU is an upper
// bound of the worker's own; the page's rendering alone (dashboard_render_*) is timed in Node's V8
// on the real /v1/stats answer.
// Prints `name: value unit`. Flags: --visitors 100000 --days 90 --runs 5, --keep (the D1 state, to
// inspect or reuse), --reuse <dir> (a kept state: no seeding).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startMiniflare } from '../../worker/scripts/miniflare.mjs';
import { median, workerdCpuMs } from './workerd-cpu.mjs';
import { seededRandom } from '../../worker/engine/hash';
import { dashboardPage } from '../../worker/dashboard/page';
import { tablesOf, toCsv } from '../../worker/dashboard/tables';
import type { Kpis } from '../../worker/schema/stats';

const { values } = parseArgs({
  options: {
    visitors: { type: 'string', default: '100000' },
    days: { type: 'string', default: '90' },
    runs: { type: 'string', default: '5' },
    keep: { type: 'boolean', default: false },
    reuse: { type: 'string' },
  },
});
const VISITORS = Number(values.visitors);
const DAYS = Number(values.days);
const RUNS = Number(values.runs);
const DAY = 86_400_000;
const apiKey = 'dashboard-bench';
const print = (name: string, value: number | string, unit = '') => console.log(`${name}: ${value}${unit ? ` ${unit}` : ''}`);

const persist = values.reuse ?? mkdtempSync(join(tmpdir(), 'nextbest-dash-'));
const worker = await startMiniflare({ persist, bindings: { NB_API_KEY: apiKey, NB_RATE_LIMIT_IP: 'off' } });
const db = await worker.mf.getD1Database('DB');

/** Rows go in as one JSON parameter per chunk (D1 binds at most 100 values per statement). */
async function insert(table: string, columns: string[], rows: unknown[][]): Promise<void> {
  const select = columns.map((_, i) => `value ->> ${i}`).join(', ');
  const sql = `INSERT OR IGNORE INTO ${table} (${columns.join(', ')}) SELECT ${select} FROM json_each(?)`;
  for (let i = 0; i < rows.length; i += 5_000)
    await db
      .prepare(sql)
      .bind(JSON.stringify(rows.slice(i, i + 5_000)))
      .run();
}

const today = Date.parse(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`);
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const random = seededRandom(16);
const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)];
const PATHS = [
  '/demo/',
  '/demo/index.html',
  '/demo/rates.html',
  '/demo/apply',
  '/demo/apply.html',
  '/demo/calculator.html',
  '/demo/refinance',
  '/demo/heloc',
  '/demo/about',
  '/demo/contact',
];
const CHANNELS = [
  [null, null],
  [null, null],
  ['google', 'cpc'],
  ['google', 'organic'],
  ['newsletter', 'email'],
  ['facebook', 'paid_social'],
] as const;
const DEVICES = ['mobile', 'mobile', 'desktop', 'desktop', 'tablet'];
const ARMS = ['a', 'b', 'holdout'];

async function seed(): Promise<number> {
  const started = Date.now();
  const visitorDays: unknown[][] = [];
  const pageViews: unknown[][] = [];
  const forms: unknown[][] = [];
  const offers: unknown[][] = [];
  const stages: unknown[][] = [];
  const counts = new Map<string, number>();
  const count = (d: string, metric: string, dim: string) =>
    counts.set(`${d}\n${metric}\n${dim}`, (counts.get(`${d}\n${metric}\n${dim}`) ?? 0) + 1);
  let pageCount = 0;
  for (let v = 0; v < VISITORS; v++) {
    const vh = `vh${v.toString(36).padStart(8, '0')}`;
    const first = today - Math.floor(random() * DAYS) * DAY;
    const visits = 1 + Math.floor(random() ** 3 * 4);
    const [source, medium] = pick(CHANNELS);
    const device = pick(DEVICES);
    for (let k = 0; k < visits; k++) {
      const at0 = Math.min(first + k * Math.floor(1 + random() * 6) * DAY, today) + Math.floor(random() * 20) * 3_600_000;
      const d = day(at0);
      const pages = 1 + Math.floor(random() * 5);
      visitorDays.push(['demo', d, vh, pages + 1, pages]);
      for (let p = 0; p < pages; p++) {
        const path = pick(PATHS);
        pageViews.push([
          'demo',
          vh,
          `pv${pageCount++}`,
          d,
          at0 + p * 60_000,
          `s${v}_${k}`,
          k === 0 ? source : null,
          k === 0 ? medium : null,
          path,
          device,
        ]);
        count(d, 'page_views', path);
      }
    }
    const d = day(first);
    const stageRoll = random();
    if (stageRoll < 0.3) stages.push(['demo', 'engaged', vh, d, first]);
    if (stageRoll < 0.1) stages.push(['demo', 'lead', vh, d, first + 1]);
    if (stageRoll < 0.05) stages.push(['demo', 'applicant', vh, d, first + 2]);
    if (stageRoll < 0.01) stages.push(['demo', 'customer', vh, day(first + DAY), first + DAY]);
    if (random() < 0.15) {
      const furthest = 1 + Math.floor(random() * 4);
      const submitted = furthest === 4 && random() < 0.5 ? first + 600_000 : null;
      forms.push(['demo', 'mortgage-app', vh, d, first, furthest, 4, submitted, submitted ? null : furthest]);
    }
    if (random() < 0.2) {
      const arm = pick(ARMS);
      const shown = arm === 'holdout' ? 0 : 1 + Math.floor(random() * 3);
      const clicks = shown && random() < 0.1 ? 1 : 0;
      offers.push(['demo', 'finish-app', arm, vh, d, first, shown, clicks, 0, random() < 0.08 ? first + 900_000 : null]);
      for (let i = 0; i < shown; i++) count(d, 'offer_impression', `finish-app/${arm}`);
      if (clicks) count(d, 'offer_click', `finish-app/${arm}`);
    }
  }
  for (let t = today - DAYS * DAY; t <= today; t += DAY) for (let i = 0; i < 40; i++) count(day(t), 'bot_batches', '');
  await insert('visitor_days', ['site', 'day', 'vh', 'events', 'pages'], visitorDays);
  await insert('page_views', ['site', 'vh', 'id', 'day', 'at', 'sid', 'source', 'medium', 'path', 'device'], pageViews);
  await insert(
    'form_visitors',
    ['site', 'form', 'vh', 'day', 'first_at', 'furthest', 'steps', 'submitted_at', 'abandoned_step'],
    forms,
  );
  await insert(
    'offer_visitors',
    ['site', 'offer', 'arm', 'vh', 'day', 'exposed_at', 'impressions', 'clicks', 'converts', 'goal_at'],
    offers,
  );
  await insert('stage_visitors', ['site', 'stage', 'vh', 'day', 'at'], stages);
  await insert(
    'daily_counts',
    ['site', 'day', 'metric', 'dim', 'n'],
    [...counts].map(([key, n]) => ['demo', ...key.split('\n'), n]),
  );
  await insert(
    'form_step_labels',
    ['site', 'form', 'step', 'name', 'day', 'n'],
    ['property', 'income', 'details', 'review'].map((name, i) => ['demo', 'mortgage-app', i + 1, name, day(today), 100]),
  );
  const members = Array.from({ length: VISITORS / 20 }, (_, i) => {
    const joined = today - Math.floor(random() * DAYS) * DAY;
    return [
      'demo',
      pick(['mortgage_abandoners', 'rate_shoppers']),
      `vid${i}`,
      null,
      joined,
      joined + 30 * DAY,
      random() < 0.2 ? joined + 5 * DAY : null,
    ];
  });
  await insert('audience_members', ['site', 'audience', 'vid', 'uid', 'joined', 'expires', 'left_at'], members);
  print(
    'dashboard_seed_rows',
    visitorDays.length + pageViews.length + forms.length + offers.length + stages.length + counts.size + members.length,
    'rows',
  );
  print('dashboard_seed_page_views', pageViews.length, 'rows');
  return Date.now() - started;
}

/** The dashboard's HTML and CSV from the 90-day answer, in Node: the JavaScript a page costs beyond its queries. */
async function timeRendering(): Promise<void> {
  const response = await worker.mf.dispatchFetch(`${worker.url}/v1/stats/demo?period=90d&compare=previous`, {
    headers: { authorization: `Bearer ${apiKey}` },
  });
  const kpis = (await response.json()) as Kpis;
  const times = [];
  for (let i = 0; i < 20; i++) {
    const started = performance.now();
    String(await dashboardPage({ kpis, sites: ['demo'], signedIn: null, origin: 'http://x', nonce: 'n', period: '90d' }));
    for (const table of tablesOf(kpis)) toCsv(table);
    times.push(performance.now() - started);
  }
  print('dashboard_render_90d_ms', median(times).toFixed(2), 'ms');
}

async function request(path: string): Promise<{ wall: number; cpu: number; d1: number; status: number; bytes: number }> {
  const cpu0 = workerdCpuMs();
  const started = performance.now();
  // Straight to workerd: a request of several seconds outlives the keep-alive of Node's HTTP client.
  const response = await worker.mf.dispatchFetch(`${worker.url}${path}`, { headers: { authorization: `Bearer ${apiKey}` } });
  const body = await response.text();
  const wall = performance.now() - started;
  const d1 = Number(/d1;dur=([\d.]+)/.exec(response.headers.get('server-timing') ?? '')?.[1] ?? NaN);
  return { wall, cpu: workerdCpuMs() - cpu0, d1, status: response.status, bytes: body.length };
}

try {
  if (!values.reuse) print('dashboard_seed_ms', await seed(), 'ms');
  const cases: Array<[string, string]> = [
    ['stats_90d', '/v1/stats/demo?period=90d&compare=previous'],
    ['stats_90d_filtered', '/v1/stats/demo?period=90d&compare=previous&source=google&device=mobile'],
    ['dashboard_90d', '/dashboard?site=demo&period=90d'],
    ['dashboard_90d_filtered', '/dashboard?site=demo&period=90d&stage=lead'],
    ['csv_top_pages_90d', '/dashboard/csv?site=demo&period=90d&table=top-pages'],
  ];
  for (const [name, path] of cases) {
    await request(path); // warm: the bundle compiled, SQLite's pages cached
    const runs = [];
    for (let i = 0; i < RUNS; i++) runs.push(await request(path));
    if (runs.some((r) => r.status !== 200)) throw new Error(`${path} answered ${runs.map((r) => r.status).join(', ')}`);
    const d1 = median(runs.map((r) => r.d1));
    const cpu = median(runs.map((r) => r.cpu));
    print(`${name}_wall_ms`, median(runs.map((r) => r.wall)).toFixed(0), 'ms');
    print(`${name}_d1_ms`, d1.toFixed(0), 'ms');
    print(`${name}_workerd_cpu_ms`, cpu.toFixed(0), 'ms');
    if (name === 'stats_90d') await timeRendering();
    print(`${name}_bytes`, runs[0].bytes, 'B');
  }
} finally {
  await worker.stop();
  if (values.keep || values.reuse) console.error(`state kept in ${persist}`);
  else rmSync(persist, { recursive: true, force: true });
}
