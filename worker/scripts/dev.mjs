// `npm run dev`: build the snippet and demo, make sure a local API key exists, apply the D1
// migrations to the local state, then run the worker with the demo site on workerd at
// http://localhost:8787 (or the port in PORT), offline.
import { spawnSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { offlineEnv } from './offline-env.mjs';

function run(command, args, env = offlineEnv) {
  const result = spawnSync(command, args, { stdio: 'inherit', env });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

function ensureApiKey() {
  if (existsSync('.dev.vars') && /^NB_API_KEY=/m.test(readFileSync('.dev.vars', 'utf8'))) {
    const key = readFileSync('.dev.vars', 'utf8').match(/^NB_API_KEY=(.*)$/m)[1];
    console.log(`API key (from .dev.vars): ${key}`);
    return;
  }
  const key = `nb_${randomBytes(24).toString('base64url')}`;
  writeFileSync('.dev.vars', `NB_API_KEY=${key}\n`, { flag: 'a' });
  console.log(`Created .dev.vars with a new local API key: ${key}`);
}

run('npm', ['run', '--silent', 'build']);
ensureApiKey();
// CI=true: local migrations need no confirmation prompt.
run('npx', ['wrangler', 'd1', 'migrations', 'apply', 'DB', '--local'], { ...offlineEnv, CI: 'true' });
const port = process.env.PORT || '8787';
const url = `http://localhost:${port}`;
console.log(`\nDemo site: ${url}/demo/   Snippet: ${url}/nb.js   Dashboard: ${url}/dashboard\n`);
// NB_DEMO: the demo site and its rules are served only where this var turns them on.
const args = ['wrangler', 'dev', '--port', port, '--ip', '127.0.0.1', '--local', '--var', 'NB_DEMO:on', ...process.argv.slice(2)];
const dev = spawn('npx', args, { stdio: 'inherit', env: offlineEnv });
dev.on('exit', (code) => process.exit(code ?? 0));
// `timeout`, process managers and IDEs signal only this process: pass it on so workerd stops too.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => dev.kill(signal));
