// The rules commands that talk to a running worker through its admin API (/v1/rules/:site…, the
// answers typed by the route schemas in worker/schema/rules.ts):
// push, pull, diff, versions, rollback and preview. The worker's address and API key come from
// --url and --key, or NB_URL and NB_API_KEY. A file's site is its name (rules/<site>.json).
import { basename } from 'node:path';
import type { ErrorBody } from '../../worker/schema/errors';
import type { Preview, Published, RulesVersion, RulesVersions } from '../../worker/schema/rules';
import type * as z from '../../worker/lib/zod';
import { loadRulesText } from './check';
import { jsonDifferences } from './json-diff';

type Print = (line: string) => void;

export interface Remote {
  url: string;
  key: string;
  /** The rest of the arguments, without the options. */
  args: string[];
  message?: string;
}

/** Reads --url, --key and --message (or NB_URL, NB_API_KEY) off the arguments. */
export function remoteOptions(argv: string[], env: Record<string, string | undefined>): Remote | string {
  const args: string[] = [];
  const options: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const match = /^--(url|key|message)(?:=(.*))?$/.exec(argv[i]);
    if (!match) args.push(argv[i]);
    else options[match[1]] = match[2] ?? argv[++i] ?? '';
  }
  const url = options.url ?? env.NB_URL;
  const key = options.key ?? env.NB_API_KEY;
  if (!url || !key) return 'the worker is needed: pass --url and --key, or set NB_URL and NB_API_KEY';
  return { url: url.replace(/\/+$/, ''), key, args, message: options.message };
}

export const siteOfFile = (file: string) => basename(file).replace(/\.json$/, '');

/** An error answer as lines; a refused document's problems as `file:path: reason`. */
async function failure(res: Response, file: string | undefined, print: Print): Promise<number> {
  const body = (await res.json().catch(() => null)) as ErrorBody | null;
  const message = body?.error.message ?? `HTTP ${res.status}`;
  for (const line of message.split('\n'))
    print(body?.error.code === 'invalid_rules' && file ? `${file}:${line}` : `error ${res.status}: ${line}`);
  return 1;
}

/** Parses and checks a local file first: a broken one never reaches the worker. */
function localDocument(file: string, text: string, print: Print): Record<string, unknown> | null {
  const loaded = loadRulesText(file, text);
  if (!loaded.ok) {
    loaded.problems.forEach((line) => print(line));
    return null;
  }
  return JSON.parse(text) as Record<string, unknown>;
}

/** One admin API call: the answer's status and body (typed by its route's schema on a 200). */
function call(remote: Remote, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${remote.url}/v1/rules/${path}`, {
    method,
    headers: { authorization: `Bearer ${remote.key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

const ok = async <T>(res: Response) => (await res.json()) as T;

export async function remote(command: string, remote: Remote, read: (file: string) => string, print: Print): Promise<number> {
  const [target, extra] = remote.args;
  const site = encodeURIComponent(target ? siteOfFile(target) : '');
  switch (command) {
    case 'push': {
      const json = localDocument(target, read(target), print);
      if (!json) return 1;
      const query = remote.message ? `?message=${encodeURIComponent(remote.message)}` : '';
      const res = await call(remote, 'PUT', `${site}${query}`, json);
      if (res.status !== 200) return failure(res, target, print);
      const published = await ok<Published>(res);
      print(
        published.unchanged
          ? `${target}: unchanged, the live version ${published.version} of ${published.site} is this document`
          : `${target}: published as version ${published.version} of ${published.site}`,
      );
      for (const line of published.warnings) print(`${target}:${line}`);
      return 0;
    }
    case 'pull': {
      const res = await call(remote, 'GET', site);
      if (res.status !== 200) return failure(res, undefined, print);
      print(JSON.stringify((await ok<RulesVersion>(res)).rules, null, 2));
      return 0;
    }
    case 'diff': {
      const json = localDocument(target, read(target), print);
      if (!json) return 1;
      const res = await call(remote, 'GET', site);
      if (res.status !== 200) return failure(res, target, print);
      const live = await ok<RulesVersion>(res);
      const lines = jsonDifferences(live.rules, json);
      print(
        lines.length
          ? `${target} against the live version ${live.version}:`
          : `${target}: same as the live version ${live.version}`,
      );
      lines.forEach((line) => print(`  ${line}`));
      return lines.length ? 1 : 0;
    }
    case 'versions': {
      const res = await call(remote, 'GET', `${site}/versions`);
      if (res.status !== 200) return failure(res, undefined, print);
      const { live, versions } = await ok<z.infer<typeof RulesVersions>>(res);
      for (const v of versions) {
        const when = v.created_at === null ? 'deployed' : new Date(v.created_at).toISOString().slice(0, 16).replace('T', ' ');
        print(
          `${v.version === live ? '*' : ' '} ${String(v.version).padStart(4)}  ${when}  ${v.author.padEnd(16)}  ${v.message}`,
        );
      }
      return 0;
    }
    case 'rollback': {
      const version = Number(extra);
      if (!Number.isInteger(version) || version < 1) return (print('rollback SITE N: N is a version number'), 2);
      const res = await call(remote, 'POST', `${site}/rollback`, { version, message: remote.message });
      if (res.status !== 200) return failure(res, undefined, print);
      print(`${target}: version ${version} is live again, as version ${(await ok<Published>(res)).version}`);
      return 0;
    }
    case 'preview': {
      const json = localDocument(target, read(target), print);
      if (!json) return 1;
      const res = await call(remote, 'POST', `${site}/preview`, json);
      if (res.status !== 200) return failure(res, target, print);
      printPreview(target, await ok<Preview>(res), print);
      return 0;
    }
  }
  print(`unknown command ${command}`);
  return 2;
}

function printPreview(file: string, preview: Preview, print: Print): void {
  const { sample } = preview;
  print(
    `${file} against the live version ${preview.live_version}: ${preview.changed} of ${sample.profiles} visitors active in the last ${sample.window_days} days would change (${preview.elapsed_ms} ms)`,
  );
  for (const kind of ['stage', 'segments', 'offers', 'audiences'] as const) {
    const { visitors, transitions, examples } = preview[kind];
    print(`${kind}: ${visitors} visitor${visitors === 1 ? '' : 's'}`);
    for (const [move, n] of Object.entries(transitions).sort((a, b) => b[1] - a[1])) print(`  ${String(n).padStart(5)}  ${move}`);
    for (const change of examples.slice(0, 3)) {
      print(`  e.g. ${change.visitor}${change.slot ? ` (${change.slot})` : ''}: ${change.before} → ${change.after}`);
      print(`       before: ${change.reasons_before.join('; ')}`);
      print(`       after:  ${change.reasons_after.join('; ')}`);
    }
  }
}
