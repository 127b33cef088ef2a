// Starts the real worker as `npm run dev` does (wrangler dev on workerd, offline, local state in a
// temporary folder) on a free port, and a headless Debian Chromium driven by playwright-core.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { launchChromium } from '../../worker/scripts/chromium.mjs';
import { offlineEnv } from '../../worker/scripts/offline-env.mjs';

export const PERSON_USER_AGENT =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';

// How long a browser test waits for something that should happen. The waits guard against hangs,
// not slowness: on a busy two-core CI machine a first collect answer has taken over 5 s.
export const PATIENCE_MS = 20_000;

export interface RunningWorker {
  url: string;
  apiKey: string;
  persistDir: string;
  profile(site: string, vid: string): Promise<Response>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilServing(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}:\n${log()}`);
    try {
      if ((await fetch(`${url}/nb.js`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`wrangler dev did not answer within 90 s:\n${log()}`);
}

/**
 * Starts the worker; pass `persistDir` to start it again on the state of an earlier run, `vars` to
 * set wrangler.toml vars (NB_BASE_PATH…).
 */
export async function startWorker(
  options: { persistDir?: string; port?: number; vars?: Record<string, string> } = {},
): Promise<RunningWorker> {
  const persistDir = options.persistDir ?? mkdtempSync(join(tmpdir(), 'nextbest-'));
  const port = options.port ?? (await freePort());
  const apiKey = `browser-test-${port}`;
  const url = `http://127.0.0.1:${port}`;
  if (!options.persistDir) {
    const migrated = spawnSync('npx', ['wrangler', 'd1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persistDir], {
      env: offlineEnv,
      encoding: 'utf8',
    });
    if (migrated.status !== 0) throw new Error(`d1 migrations failed:\n${migrated.stdout}${migrated.stderr}`);
  }
  const child = spawn(
    'npx',
    [
      'wrangler',
      'dev',
      '--local',
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--persist-to',
      persistDir,
      '--var',
      `NB_API_KEY:${apiKey}`,
      '--var',
      'NB_DEMO:on',
      ...Object.entries(options.vars ?? {}).flatMap(([name, value]) => ['--var', `${name}:${value}`]),
      '--inspector-port',
      String(await freePort()),
      '--show-interactive-dev-session=false',
    ],
    { env: offlineEnv, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  await waitUntilServing(url, child, () => output);
  return {
    url,
    apiKey,
    persistDir,
    profile: (site, vid) => fetch(`${url}/v1/profile/${site}/${vid}`, { headers: { authorization: `Bearer ${apiKey}` } }),
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        process.kill(-child.pid!, 'SIGTERM');
        await exited;
      }
    },
  };
}

export function removeState(worker: RunningWorker): void {
  rmSync(worker.persistDir, { recursive: true, force: true });
}

export function launchBrowser(): Promise<Browser> {
  // The worker ignores headless and automation user agents as bots; tests are people here.
  return launchChromium([`--user-agent=${PERSON_USER_AGENT}`]);
}

/** What `useWorkerAndBrowser` gives a test file: both are there from the first test on. */
export interface Live {
  readonly worker: RunningWorker;
  readonly browser: Browser;
}

/**
 * For a test file: starts the worker and Chromium side by side before its first test, and after its
 * last closes both and deletes the worker's state (whichever of them started, if the other failed).
 */
export function useWorkerAndBrowser(): Live {
  let worker: RunningWorker | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    await Promise.all([
      startWorker().then((started) => (worker = started)),
      launchBrowser().then((launched) => (browser = launched)),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await worker?.stop();
    if (worker) removeState(worker);
  });
  return {
    get worker() {
      if (!worker) throw new Error('the worker is not running (did beforeAll fail?)');
      return worker;
    },
    get browser() {
      if (!browser) throw new Error('Chromium is not running (did beforeAll fail?)');
      return browser;
    },
  };
}
