// The rules CLI (`npm run rules -- …`): `check` validates rules files, `simulate` replays a visitor's
// events through the engine and shows what it decides after each one, with reasons.
import { readFileSync } from 'node:fs';
import { checkFiles } from './check';
import { simulate } from './simulate';
import { sites } from './sites';

const USAGE = `usage:
  rules check <rules.json>…                  print every problem as file:path: reason
  rules simulate <rules.json> <events.jsonl>  replay events, print the decision after each
  rules sites [--check]                      find the sites (rules/*.json), write rules/sites.generated.ts`;

function main(argv: string[]): number {
  const [command, ...args] = argv;
  if (command === 'check' && args.length > 0) return checkFiles(args, (file) => readFileSync(file, 'utf8'), console.log);
  if (command === 'simulate' && args.length === 2) {
    return simulate(args[0], readFileSync(args[0], 'utf8'), args[1], readFileSync(args[1], 'utf8'), console.log);
  }
  if (command === 'sites') return sites(args, console.log);
  console.error(USAGE);
  return 2;
}

process.exitCode = main(process.argv.slice(2));
