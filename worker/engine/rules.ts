// Validates a rules file and compiles it for the engine: conditions become predicates once, here.
import { RulesFile } from '../../rules/schema';
import { describeIssue } from '../schema/issues';
import { compileCondition, type Predicate } from './conditions';

export interface CompiledRules {
  source: RulesFile;
  offers: Array<RulesFile['offers'][number] & { matches: Predicate }>;
}

export type RulesResult = { ok: true; rules: CompiledRules } | { ok: false; problems: string[] };

/** Parses and compiles `json`; problems read `file:path: reason` so a person can act on them. */
export function loadRules(json: unknown, file: string): RulesResult {
  const parsed = RulesFile.safeParse(json);
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.map((issue) => {
        const { path, reason } = describeIssue(issue);
        return `${file}:${path}: ${reason}`;
      }),
    };
  }
  const problems: string[] = [];
  const offers = parsed.data.offers.map((offer, index) => {
    try {
      return { ...offer, matches: compileCondition(offer.when) };
    } catch (error) {
      problems.push(`${file}:offers[${index}].when: ${(error as Error).message}`);
      return { ...offer, matches: () => false };
    }
  });
  return problems.length ? { ok: false, problems } : { ok: true, rules: { source: parsed.data, offers } };
}
