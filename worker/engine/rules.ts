// Validates a rules file and compiles it for the engine: conditions become predicates once, here,
// and scoring rules are indexed by the event they listen to so that an event only meets its rules.
import { RulesFile, type Condition, type Offer } from '../../rules/schema';
import { checkReferences } from '../../rules/references';
import { describeIssue } from '../schema/issues';
import { compileCondition, ConditionError, type Predicate } from './conditions';

export interface CompiledScoreRule {
  id: string;
  points: number;
  product?: string;
  max_per_day?: number;
  reason: string;
  matches: Predicate;
}

export interface CompiledOffer {
  source: Offer;
  index: number;
  value: number;
  matches: Predicate;
  excluded: Predicate | null;
}

export interface CompiledRules {
  source: RulesFile;
  halfLifeDays: number;
  /** Scoring rules by "type" or "type:name" of the event they require; `anyEvent` for the rest. */
  scoringIndex: Map<string, CompiledScoreRule[]>;
  anyEvent: CompiledScoreRule[];
  /** Scoring rule id → the text a marketer reads. */
  scoreReasons: Map<string, string>;
  stages: Array<{ id: string; matches: Predicate }>;
  segments: Array<{ id: string; sticky: boolean; matches: Predicate }>;
  offersBySlot: Map<string, CompiledOffer[]>;
  offers: Map<string, CompiledOffer>;
  audiences: Array<{ id: string; days: number; consent?: string; matches: Predicate; exits: Predicate | null }>;
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
  const problems: Array<{ path: string; reason: string }> = [];
  const compile = (condition: Condition | undefined, at: string): Predicate => {
    try {
      return compileCondition(condition ?? {}, at);
    } catch (error) {
      if (!(error instanceof ConditionError)) throw error;
      problems.push({ path: error.path, reason: error.message });
      return () => false;
    }
  };
  const rules = compileRules(parsed.data, compile);
  problems.push(...checkReferences(parsed.data));
  if (problems.length) return { ok: false, problems: problems.map(({ path, reason }) => `${file}:${path}: ${reason}`) };
  return { ok: true, rules };
}

type Compile = (condition: Condition | undefined, at: string) => Predicate;

function compileRules(source: RulesFile, compile: Compile): CompiledRules {
  const { scoringIndex, anyEvent } = compileScoring(source, compile);
  const productValue = new Map(source.products.map((product) => [product.id, product.value]));
  const offers = source.offers.map((offer, index): CompiledOffer => ({
    source: offer,
    index,
    value: offer.value ?? (offer.product ? productValue.get(offer.product) : undefined) ?? 1,
    matches: compile(offer.when, `offers[${index}].when`),
    excluded: offer.unless ? compile(offer.unless, `offers[${index}].unless`) : null,
  }));
  const offersBySlot = new Map<string, CompiledOffer[]>();
  for (const offer of offers) {
    for (const slot of offer.source.slots) offersBySlot.set(slot, [...(offersBySlot.get(slot) ?? []), offer]);
  }
  return {
    source,
    halfLifeDays: source.scoring.half_life_days,
    scoringIndex,
    anyEvent,
    scoreReasons: new Map(source.scoring.rules.map((rule) => [rule.id, rule.reason ?? rule.id])),
    stages: source.stages.map((stage, i) => ({ id: stage.id, matches: compile(stage.when, `stages[${i}].when`) })),
    segments: source.segments.map((segment, i) => ({
      id: segment.id,
      sticky: segment.sticky,
      matches: compile(segment.when, `segments[${i}].when`),
    })),
    offersBySlot,
    offers: new Map(offers.map((offer) => [offer.source.id, offer])),
    audiences: source.audiences.map((audience, i) => ({
      id: audience.id,
      days: audience.days,
      consent: audience.requires_consent,
      matches: compile(audience.when, `audiences[${i}].when`),
      exits: audience.exit_when ? compile(audience.exit_when, `audiences[${i}].exit_when`) : null,
    })),
  };
}

function compileScoring(source: RulesFile, compile: Compile) {
  const scoringIndex = new Map<string, CompiledScoreRule[]>();
  const anyEvent: CompiledScoreRule[] = [];
  source.scoring.rules.forEach((rule, i) => {
    const index = indexKey(rule.when);
    // The index already guarantees the pinned fields: test only the rest of the condition.
    const rest = index ? Object.fromEntries(Object.entries(rule.when).filter(([path]) => !index.pinned.includes(path))) : rule.when;
    const compiled: CompiledScoreRule = {
      id: rule.id,
      points: rule.points,
      product: rule.product,
      max_per_day: rule.max_per_day,
      reason: rule.reason ?? rule.id,
      matches: compile(rest, `scoring.rules[${i}].when`),
    };
    if (index === null) anyEvent.push(compiled);
    else scoringIndex.set(index.key, [...(scoringIndex.get(index.key) ?? []), compiled]);
  });
  return { scoringIndex, anyEvent };
}

const NAME_FIELD = { track: 'event.name', form: 'event.form', offer: 'event.offer' } as const;

/** The index key of a `when` that pins `event.type` (and the name) by plain equality, else null. */
export function indexKey(when: Condition): { key: string; pinned: string[] } | null {
  const type = when['event.type'];
  if (typeof type !== 'string') return null;
  const nameField = NAME_FIELD[type as keyof typeof NAME_FIELD];
  const name = nameField ? when[nameField] : undefined;
  if (typeof name === 'string') return { key: `${type}:${name}`, pinned: ['event.type', nameField] };
  return { key: type, pinned: ['event.type'] };
}

/** The scoring rules an event can match, in no particular order (points add up). */
export function scoringRulesFor(rules: CompiledRules, type: string, name: string | undefined): CompiledScoreRule[][] {
  const lists = [rules.anyEvent];
  const byType = rules.scoringIndex.get(type);
  if (byType) lists.push(byType);
  if (name !== undefined) {
    const byName = rules.scoringIndex.get(`${type}:${name}`);
    if (byName) lists.push(byName);
  }
  return lists;
}
