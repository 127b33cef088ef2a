// `npm run types`: regenerates worker/env.generated.d.ts, the bindings and vars of wrangler.toml as
// `wrangler types` sees them. `--check` (run by `npm run check`) fails instead when the committed
// file differs from what wrangler.toml generates now, and leaves the file as it was.
//
// Secrets are not in wrangler.toml; `wrangler types` would read their names from a local .dev.vars,
// which differs per machine and is not committed. `--env-file=/dev/null` stops that, so the output
// depends on wrangler.toml alone; worker/env.ts types the secrets (each optional: a deploy may lack one).
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { offlineEnv } from './offline-env.mjs';

const FILE = 'worker/env.generated.d.ts';
const check = process.argv.includes('--check');
const before = check ? readFileSync(FILE, 'utf8') : null;

const args = [
  'wrangler',
  'types',
  FILE,
  '--include-runtime=false',
  '--strict-vars=false',
  '--env-interface=WranglerEnv',
  '--env-file=/dev/null',
];
const result = spawnSync('npx', args, { env: offlineEnv, encoding: 'utf8' });
if (result.status !== 0) {
  process.stderr.write(result.stdout + result.stderr);
  process.exit(result.status ?? 1);
}
if (check) {
  const after = readFileSync(FILE, 'utf8');
  writeFileSync(FILE, before);
  if (after !== before) {
    console.error(`${FILE} is out of date with wrangler.toml: run \`npm run types\` and commit it.`);
    process.exit(1);
  }
  console.log(`${FILE} matches wrangler.toml.`);
} else {
  console.log(`Wrote ${FILE}.`);
}
