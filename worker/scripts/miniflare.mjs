// Starts the worker on Miniflare's API directly (no wrangler dev proxy in front), with the options
// wrangler derives from wrangler.toml: what the load benchmarks and soak tests drive.
import { build } from 'esbuild';
import { readdirSync, readFileSync } from 'node:fs';
import { Miniflare } from 'miniflare';
import { unstable_getMiniflareWorkerOptions } from 'wrangler';
import { offlineEnv } from './offline-env.mjs';

Object.assign(process.env, offlineEnv);

async function bundleWorker() {
  const result = await build({
    entryPoints: ['worker/index.ts'],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
    external: ['cloudflare:*'],
    write: false,
    minify: true,
    logLevel: 'warning',
  });
  return result.outputFiles[0].text;
}

/** Applies the D1 migrations in order; `CREATE … IF NOT EXISTS` makes a rerun harmless. */
async function migrate(mf) {
  const db = await mf.getD1Database('DB');
  const dir = 'worker/analytics/migrations';
  for (const file of readdirSync(dir)
    .filter((name) => name.endsWith('.sql'))
    .sort()) {
    const statements = readFileSync(`${dir}/${file}`, 'utf8')
      .replace(/--.*$/gm, '')
      .split(';')
      .map((statement) => statement.trim())
      .filter(Boolean);
    await db.batch(statements.map((statement) => db.prepare(statement)));
  }
}

/**
 * @param {{ port?: number, persist?: string | false, bindings?: Record<string, string>, eventsBatchSeconds?: number }} options
 *   eventsBatchSeconds: how long the events queue gathers a batch for its consumer (wrangler.toml's
 *   max_batch_timeout unless given), so that a fault run can find messages waiting in the queue.
 * @returns {Promise<{ url: string, mf: Miniflare, stop: () => Promise<void> }>}
 */
export async function startMiniflare({ port = 0, persist = false, bindings = {}, eventsBatchSeconds } = {}) {
  const { workerOptions } = unstable_getMiniflareWorkerOptions('wrangler.toml');
  const consumers = workerOptions.queueConsumers;
  if (eventsBatchSeconds !== undefined)
    consumers['nextbest-events'] = { ...consumers['nextbest-events'], maxBatchTimeout: eventsBatchSeconds };
  const mf = new Miniflare({
    ...workerOptions,
    modules: [{ type: 'ESModule', path: 'worker.mjs', contents: await bundleWorker() }],
    bindings: { ...workerOptions.bindings, ...bindings },
    host: '127.0.0.1',
    port,
    cf: false,
    ...(persist
      ? { durableObjectsPersist: `${persist}/do`, d1Persist: `${persist}/d1`, cachePersist: false, kvPersist: false }
      : {}),
  });
  const url = (await mf.ready).href.replace(/\/$/, '');
  await migrate(mf);
  return { url, mf, stop: () => mf.dispose() };
}
