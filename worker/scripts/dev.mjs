// `npm run dev`: build the snippet and demo, make sure local keys exist (an admin API key and a
// read-only dashboard key of the demo site), apply the D1 migrations to the local state, then run
// the worker with the demo site on workerd at http://localhost:8787 (or the port in PORT), offline.
import { spawnSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { offlineEnv } from './offline-env.mjs';

function run(command, args, env = offlineEnv) {
  const result = spawnSync(command, args, { stdio: 'inherit', env });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

/** Makes sure .dev.vars sets `name`, adding a value made by `make` on first run, and prints it. */
function ensureVar(name, make, label) {
  const vars = existsSync('.dev.vars') ? readFileSync('.dev.vars', 'utf8') : '';
  const existing = vars.match(new RegExp(`^${name}=(.*)$`, 'm'))?.[1];
  if (existing) return console.log(`${label} (from .dev.vars): ${existing}`);
  const value = make();
  writeFileSync('.dev.vars', `${vars && !vars.endsWith('\n') ? '\n' : ''}${name}=${value}\n`, { flag: 'a' });
  console.log(`${label} (new, written to .dev.vars): ${value}`);
}

const secret = (prefix) => `${prefix}_${randomBytes(24).toString('base64url')}`;

run('npm', ['run', '--silent', 'build']);
ensureVar('NB_API_KEY', () => secret('nb'), 'API key');
ensureVar('NB_DASHBOARD_KEYS', () => `demo:${secret('nb_read')}`, 'Read-only dashboard key of the demo site (site:key)');
// CI=true: local migrations need no confirmation prompt.
run('npx', ['wrangler', 'd1', 'migrations', 'apply', 'DB', '--local'], { ...offlineEnv, CI: 'true' });
const port = process.env.PORT || '8787';
const url = `http://localhost:${port}`;
console.log(`\nDemo site: ${url}/demo/   Snippet: ${url}/nb.js`);
console.log(`Dashboard: ${url}/dashboard  (sign in with the API key, or the read-only key after "demo:")\n`);
// NB_DEMO: the demo site and its rules are served only where this var turns them on.
const args = ['wrangler', 'dev', '--port', port, '--ip', '127.0.0.1', '--local', '--var', 'NB_DEMO:on', ...process.argv.slice(2)];
const dev = spawn('npx', args, { stdio: 'inherit', env: offlineEnv });
dev.on('exit', (code) => process.exit(code ?? 0));
// `timeout`, process managers and IDEs signal only this process: pass it on so workerd stops too.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => dev.kill(signal));
