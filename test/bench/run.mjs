// `npm run bench`: builds what it measures, then runs each benchmark script in turn. Every figure
// is printed as `name: value unit`. Figures, never assertions: they vary with the machine.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const benches = [
  ['node', ['test/bench/snippet.mjs']],
  ['node', ['test/bench/bundle.mjs', 'test/bench/engine.ts']],
  ['node', ['test/bench/bundle.mjs', 'test/bench/scrub.ts']],
  ['node', ['test/bench/cold-start.mjs']],
  ['node', ['test/bench/api.mjs']],
];

const build = spawnSync('npm', ['run', '--silent', 'build'], { stdio: ['ignore', 'ignore', 'inherit'] });
if (build.status !== 0) process.exit(build.status ?? 1);

let failed = false;
for (const [command, args] of benches) {
  const script = args.at(-1);
  if (!existsSync(script)) continue;
  const result = spawnSync(command, args, { stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`bench ${script} failed with exit code ${result.status}`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
