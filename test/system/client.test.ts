// The client package from a consumer's side: builds `nextbest/client`, type-checks a small project
// that has only TypeScript against it (test/client-consumer), then runs it against the bundled worker
// on Miniflare. A loosened or broken client type fails the type check (the project holds lines that
// must stay type errors); a client that does not reach the routes fails the run.
import { afterAll, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startMiniflare } from '../../worker/scripts/miniflare.mjs';

const API_KEY = 'client-test-key';
const root = resolve('.');
const project = mkdtempSync(join(tmpdir(), 'nextbest-consumer-'));
afterAll(() => rmSync(project, { recursive: true, force: true }));

function run(command: string, args: string[], cwd: string) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

it('a consumer with only TypeScript type-checks decide, profile and audiences calls and runs them against the worker', async () => {
  const built = run(process.execPath, ['worker/scripts/build-client.mjs'], root);
  expect(built.output).toBe('');
  expect(built.status).toBe(0);

  cpSync('test/client-consumer', project, { recursive: true });
  mkdirSync(join(project, 'node_modules'));
  // As `npm install <path>` would: the package by its name, its own dependencies (hono) beside it.
  symlinkSync(root, join(project, 'node_modules', 'nextbest'), 'dir');
  const compiled = run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', project], project);
  expect(compiled.output).toBe('');
  expect(compiled.status).toBe(0);

  const worker = await startMiniflare({ bindings: { NB_API_KEY: API_KEY, NB_RATE_LIMIT_IP: 'off' } });
  try {
    const ran = run(process.execPath, [join(project, 'out/main.js'), worker.url, API_KEY, 'consumer-visitor-1'], project);
    expect(ran.status, ran.output).toBe(0);
    expect(JSON.parse(ran.output)).toEqual({
      collected: 200,
      stage: expect.any(String),
      events: 1,
      unknownCode: 'unknown_visitor',
      members: 0,
      next: null,
      badLimitPath: 'limit',
    });
  } finally {
    await worker.stop();
  }
});
