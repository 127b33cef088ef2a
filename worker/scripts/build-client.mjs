// `npm run build:client`: the typed client as a package entry (`nextbest/client`): dist/client/index.js
// (hono/client stays a dependency) and index.d.ts. tsc writes the declaration with the client's type
// spelled out from the routes, so it names only hono's types: a consumer needs neither the worker's
// sources nor @cloudflare/workers-types.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';

const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.client.json'], { stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
const declaration = '.cache/client-types/worker/client.d.ts';
if (/from '\.|import\("\./.test(readFileSync(declaration, 'utf8'))) {
  console.error(`${declaration} refers to the worker's own modules: the client type is no longer self-contained`);
  process.exit(1);
}
mkdirSync('dist/client', { recursive: true });
copyFileSync(declaration, 'dist/client/index.d.ts');
await build({
  entryPoints: ['worker/client.ts'],
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  external: ['hono', 'hono/*'],
  outfile: 'dist/client/index.js',
  logLevel: 'warning',
});
