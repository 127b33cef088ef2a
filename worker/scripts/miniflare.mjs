// Starts the worker on Miniflare's API directly (no wrangler dev proxy in front), with the options
// wrangler derives from wrangler.toml: what the load benchmarks and soak tests drive.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { Miniflare } from 'miniflare';
import { unstable_getMiniflareWorkerOptions } from 'wrangler';
import { offlineEnv } from './offline-env.mjs';

Object.assign(process.env, offlineEnv);

/**
 * The bundle `wrangler deploy` would upload (minified, with wrangler.toml's aliases), so that what the
 * load tests and benchmarks drive is what ships. Needs dist/ (`npm run build`), the assets directory.
 * `script` bundles another entry the same way (a benchmark's peer); `minify: false` keeps the names
 * readable (a CPU profile's).
 */
export function bundleWorker(outdir = '.cache/deploy', script, { minify = true } = {}) {
  const args = [
    'wrangler',
    'deploy',
    '--dry-run',
    '--outdir',
    outdir,
    ...(minify ? [] : ['--no-minify']),
    ...(script ? [script] : []),
  ];
  const result = spawnSync('npx', args, {
    env: { ...offlineEnv, WRANGLER_LOG: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (result.status !== 0) throw new Error(`wrangler deploy --dry-run failed with exit code ${result.status}`);
  const file = readdirSync(outdir).find((name) => name.endsWith('.js'));
  return readFileSync(`${outdir}/${file}`, 'utf8');
}

/**
 * Applies the D1 migrations not applied yet, in order, and records each in `d1_migrations` as
 * `wrangler d1 migrations apply` does: a restart on persisted state must not run an ALTER twice.
 */
async function migrate(mf) {
  const db = await mf.getD1Database('DB');
  const dir = 'worker/analytics/migrations';
  await db.exec(
    'CREATE TABLE IF NOT EXISTS d1_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)',
  );
  const applied = new Set((await db.prepare('SELECT name FROM d1_migrations').all()).results.map((row) => row.name));
  for (const file of readdirSync(dir)
    .filter((name) => name.endsWith('.sql') && !applied.has(name))
    .sort()) {
    const statements = readFileSync(`${dir}/${file}`, 'utf8')
      .replace(/--.*$/gm, '')
      .split(';')
      .map((statement) => statement.trim())
      .filter(Boolean);
    await db.batch([
      ...statements.map((statement) => db.prepare(statement)),
      db.prepare('INSERT INTO d1_migrations (name) VALUES (?)').bind(file),
    ]);
  }
}

/**
 * @param {{ port?: number, persist?: string | false, bindings?: Record<string, string>, eventsBatchSeconds?: number, script?: string, durableObjects?: Record<string, string | { className: string, useSQLite?: boolean }>, migrate?: boolean, log?: import('miniflare').Log, handleRuntimeStdio?: (stdout: import('node:stream').Readable, stderr: import('node:stream').Readable) => void, inspectorPort?: number }} options
 *   eventsBatchSeconds: how long the events queue gathers a batch for its consumer (wrangler.toml's
 *   max_batch_timeout unless given), so that a fault run can find messages waiting in the queue.
 *   script: a bundle to run instead of the worker's (a benchmark's); durableObjects: extra classes it binds;
 *   migrate: false skips the D1 migrations (a cold-start timing); inspectorPort: where workerd serves
 *   the DevTools protocol for its isolates (a CPU profile).
 *   log: Miniflare's own log (the local queues' deliveries among it), silent unless given;
 *   handleRuntimeStdio: takes workerd's output (the worker's console) instead of this process's.
 * @returns {Promise<{ url: string, mf: Miniflare, stop: () => Promise<void> }>}
 */
export async function startMiniflare({
  port = 0,
  persist = false,
  bindings = {},
  eventsBatchSeconds,
  script,
  durableObjects,
  migrate: migrating = true,
  log,
  handleRuntimeStdio,
  inspectorPort,
} = {}) {
  const { workerOptions } = unstable_getMiniflareWorkerOptions('wrangler.toml');
  const consumers = workerOptions.queueConsumers;
  if (eventsBatchSeconds !== undefined)
    consumers['nextbest-events'] = { ...consumers['nextbest-events'], maxBatchTimeout: eventsBatchSeconds };
  const mf = new Miniflare({
    ...workerOptions,
    modules: [{ type: 'ESModule', path: 'worker.mjs', contents: script ?? bundleWorker() }],
    durableObjects: { ...workerOptions.durableObjects, ...durableObjects },
    // The tests and benchmarks drive the demo site's rules, which a deploy leaves off.
    bindings: { ...workerOptions.bindings, NB_DEMO: 'on', ...bindings },
    host: '127.0.0.1',
    port,
    cf: false,
    ...(inspectorPort ? { inspectorPort } : {}),
    ...(log ? { log, logRequests: false } : {}),
    ...(handleRuntimeStdio ? { handleRuntimeStdio } : {}),
    ...(persist
      ? { durableObjectsPersist: `${persist}/do`, d1Persist: `${persist}/d1`, cachePersist: false, kvPersist: false }
      : {}),
  });
  const url = (await mf.ready).href.replace(/\/$/, '');
  if (migrating) await migrate(mf);
  // Stopping twice (a fault run's restart that failed, then the run's own clean-up) stops once.
  let stopped;
  return { url, mf, stop: () => (stopped ??= mf.dispose()) };
}
