// The rules CLI (`npm run rules -- …`): `check` validates rules files, `simulate` replays a visitor's
// events through the engine and shows what it decides after each one, with reasons, `sites` finds
// the bundled sites; push, pull, diff, versions, rollback and preview work on a running worker.
import { readFileSync } from 'node:fs';
import { checkFiles } from './check';
import { simulate } from './simulate';
import { sites } from './sites';
import { remote, remoteOptions } from './remote';

const USAGE = `usage:
  rules check [--strict] <rules.json>…       print every problem as file:path: reason, and the ad-policy
                                             lint's findings (--strict: its warnings fail the check too)
  rules simulate <rules.json> <events.jsonl>  replay events, print the decision after each
  rules sites [--check]                      find the sites (rules/*.json), write rules/sites.generated.ts
On a running worker (--url URL --key KEY, or NB_URL and NB_API_KEY; the site is the file's name):
  rules push <rules.json> [--message TEXT]   publish the file as the site's next version
  rules pull <site>                          print the live document
  rules diff <rules.json>                    what the file changes against the live version (exit 1 if any)
  rules versions <site>                      the versions, newest first, * the live one
  rules rollback <site> <n> [--message TEXT] publish version n again
  rules preview <rules.json>                 what the file would change for the visitors of the last 7 days`;

const REMOTE: Record<string, number> = { push: 1, pull: 1, diff: 1, versions: 1, rollback: 2, preview: 1 };

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (command === 'check') {
    const files = args.filter((arg) => arg !== '--strict');
    if (files.length > 0) {
      return checkFiles(files, (file) => readFileSync(file, 'utf8'), console.log, { strict: files.length < args.length });
    }
  }
  if (command === 'simulate' && args.length === 2) {
    return simulate(args[0], readFileSync(args[0], 'utf8'), args[1], readFileSync(args[1], 'utf8'), console.log);
  }
  if (command === 'sites') return sites(args, console.log);
  if (command && Object.hasOwn(REMOTE, command)) {
    const options = remoteOptions(args, process.env);
    if (typeof options === 'string') return (console.error(options), 2);
    if (options.args.length === REMOTE[command])
      return remote(command, options, (file) => readFileSync(file, 'utf8'), console.log);
  }
  console.error(USAGE);
  return 2;
}

process.exitCode = await main(process.argv.slice(2));
