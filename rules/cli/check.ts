// `rules check`: every problem in every file, one `file:path: reason` line each, then the ad-policy
// lint's findings as `file:path: warning|error: reason (policy)`; a file without problems or
// errors gets one `file: ok (…)` line saying what it holds. `--strict` makes warnings errors.
import { loadRules, type CompiledRules, type RulesResult } from '../../worker/engine';
import { adPolicyFindings, findingLine, strictly } from '../ad-policy';
import { parsePartial } from '../partial';

type Parsed = { ok: true; json: unknown } | { ok: false; problem: string };

/** Parses JSON text, reporting a syntax error as a problem at the root. */
function parseJson(file: string, text: string): Parsed {
  try {
    return { ok: true, json: JSON.parse(text) };
  } catch (error) {
    return { ok: false, problem: `${file}:(root): invalid JSON: ${(error as Error).message}` };
  }
}

export function loadRulesText(file: string, text: string): RulesResult {
  const parsed = parseJson(file, text);
  return parsed.ok ? loadRules(parsed.json, file) : { ok: false, problems: [parsed.problem] };
}

export function checkFiles(
  files: string[],
  read: (file: string) => string,
  print: (line: string) => void,
  { strict = false } = {},
): number {
  let failed = 0;
  // `rules/*.json` also matches the generated JSON Schema, which is not a rules file.
  for (const file of files.filter((name) => !name.endsWith('.schema.json'))) {
    let text: string;
    try {
      text = read(file);
    } catch (error) {
      print(`${file}:(root): cannot read: ${(error as Error).message}`);
      failed += 1;
      continue;
    }
    const parsed = parseJson(file, text);
    if (!parsed.ok) {
      print(parsed.problem);
      failed += 1;
      continue;
    }
    const result = loadRules(parsed.json, file);
    // A file the schema refuses in part is still linted, item by item, as its cross-references are.
    const found = adPolicyFindings(result.ok ? result.rules.source : parsePartial(parsed.json));
    const findings = strict ? strictly(found) : found;
    const errors = findings.filter((finding) => finding.severity === 'error').length;
    if (!result.ok) for (const line of result.problems) print(line);
    for (const finding of findings) print(`${file}:${findingLine(finding)}`);
    if (result.ok && errors === 0) print(okSummary(file, result.rules, findings.length));
    else failed += (result.ok ? 0 : result.problems.length) + errors;
  }
  return failed > 0 ? 1 : 0;
}

const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/** One line for a file that passes: what it holds, so a typo that empties a section shows. */
function okSummary(file: string, { source }: CompiledRules, warnings: number): string {
  return `${file}: ok (${[
    count(source.products.length, 'product'),
    count(source.scoring.rules.length, 'scoring rule'),
    count(source.stages.length, 'stage'),
    count(source.segments.length, 'segment'),
    count(source.offers.length, 'offer'),
    count(source.audiences.length, 'audience'),
    ...(warnings ? [count(warnings, 'warning')] : []),
  ].join(', ')})`;
}
