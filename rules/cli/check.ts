// `rules check`: every problem in every file, one `file:path: reason` line each; a file that passes
// gets one `file: ok (…)` line saying what it holds.
import { loadRules, type CompiledRules, type RulesResult } from '../../worker/engine';

/** Parses JSON text, reporting a syntax error as a problem at the root. */
export function loadRulesText(file: string, text: string): RulesResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, problems: [`${file}:(root): invalid JSON: ${(error as Error).message}`] };
  }
  return loadRules(json, file);
}

export function checkFiles(files: string[], read: (file: string) => string, print: (line: string) => void): number {
  let problems = 0;
  // `rules/*.json` also matches the generated JSON Schema, which is not a rules file.
  for (const file of files.filter((name) => !name.endsWith('.schema.json'))) {
    let text: string;
    try {
      text = read(file);
    } catch (error) {
      print(`${file}:(root): cannot read: ${(error as Error).message}`);
      problems += 1;
      continue;
    }
    const result = loadRulesText(file, text);
    if (result.ok) {
      print(okSummary(file, result.rules));
      continue;
    }
    for (const line of result.problems) print(line);
    problems += result.problems.length;
  }
  return problems > 0 ? 1 : 0;
}

/** One line for a file that passes: what it holds, so a typo that empties a section shows. */
function okSummary(file: string, { source }: CompiledRules): string {
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
  return `${file}: ok (${[
    count(source.products.length, 'product'),
    count(source.scoring.rules.length, 'scoring rule'),
    count(source.stages.length, 'stage'),
    count(source.segments.length, 'segment'),
    count(source.offers.length, 'offer'),
    count(source.audiences.length, 'audience'),
  ].join(', ')})`;
}
