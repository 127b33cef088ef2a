// Validates a rules file and compiles it for the engine: conditions become predicates once, here,
// and scoring rules are indexed by the event they listen to so that an event only meets its rules.
import { RulesFile, type Condition, type LearnBy, type Offer } from '../../rules/schema';
import { parsePartial } from '../../rules/partial';
import { checkReferences, conditionsOf, type Problem } from '../../rules/references';
import type { Event } from '../schema/events';
import { describeIssue } from '../schema/issues';
import { pushTo } from '../lib/group';
import { DAY_MS } from '../lib/time';
import { compileCondition, ConditionError, PathSlots, type Predicate } from './conditions';
import { funnelStages } from '../analytics/rollup-keys';

export interface CompiledScoreRule {
  id: string;
  /** Whether every object inherits the id ("constructor"): state lookups by it then check own keys. */
  inherited: boolean;
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
  /** The offer's `learn_by`, else the site's: offers that share the site's share this array. */
  learnBy: readonly LearnBy[];
  matches: Predicate;
  excluded: Predicate | null;
}

export interface CompiledRules {
  source: RulesFile;
  /** Every path the conditions read, numbered: a context's read slots (conditions.ts). */
  paths: PathSlots;
  halfLifeDays: number;
  /** Scoring rules by the event type they require, then by its name; `anyEvent` for the rest. */
  scoringIndex: Map<string, ScoringByType>;
  anyEvent: CompiledScoreRule[];
  /** Scoring rule id → the text a marketer reads. */
  scoreReasons: Map<string, string>;
  stages: Array<{ id: string; matches: Predicate }>;
  segments: Array<{ id: string; sticky: boolean; matches: Predicate }>;
  offersBySlot: Map<string, CompiledOffer[]>;
  offers: Map<string, CompiledOffer>;
  audiences: Array<{
    id: string;
    inherited: boolean;
    days: number;
    consent?: string;
    matches: Predicate;
    exits: Predicate | null;
  }>;
  lifecycle: CompiledLifecycle;
  /**
   * Whether a condition or an offer's reason reads `request.country`. Only then do the routes read
   * it from the request's `cf` object: reading that object was 5–6% of a decide's CPU in workerd
   * (`npm run bench:profile -- --route decide`), for a value most rules never use.
   */
  readsCountry: boolean;
}

/** The rules of the relationship after the sale (worker/engine/customer.ts). */
export interface CompiledLifecycle {
  /** Products with a taken_when, in rules order. */
  products: Array<{ id: string; taken: Predicate; closed: Predicate | null }>;
  activated: Predicate | null;
  /** The stage that makes a customer (funnelStages), or null when the rules have none. */
  customerStage: string | null;
  dormantMs: number;
  referralParam: string;
}

export interface ScoringByType {
  /** Rules that pin the type only. */
  any: CompiledScoreRule[];
  /** Rules that also pin the name (`event.name`, `event.form` or `event.offer`). */
  byName: Map<string, CompiledScoreRule[]>;
}

export type RulesResult = { ok: true; rules: CompiledRules } | { ok: false; problems: string[] };

/**
 * Parses and compiles `json`; problems read `file:path: reason` so a person can act on them. When
 * the schema refuses the file, the sections and items that pass it still get every other check.
 */
export function loadRules(json: unknown, file: string): RulesResult {
  const parsed = RulesFile.safeParse(json);
  const problems: Problem[] = [];
  const paths = new PathSlots();
  const compile = (condition: Condition | undefined, at: string): Predicate => {
    try {
      return compileCondition(condition ?? {}, at, paths);
    } catch (error) {
      if (!(error instanceof ConditionError)) throw error;
      problems.push({ path: error.path, reason: error.message });
      return () => false;
    }
  };
  if (!parsed.success) {
    const partial = parsePartial(json);
    problems.push(...parsed.error.issues.map((issue) => describeIssue(issue)));
    for (const [at, condition] of conditionsOf(partial)) compile(condition, at);
    problems.push(...checkReferences(partial));
    return failed(file, problems);
  }
  const rules = compileRules(parsed.data, compile, paths);
  problems.push(...checkReferences(parsed.data));
  return problems.length ? failed(file, problems) : { ok: true, rules };
}

function failed(file: string, problems: Problem[]): RulesResult {
  return { ok: false, problems: problems.map(({ path, reason }) => `${file}:${path}: ${reason}`) };
}

type Compile = (condition: Condition | undefined, at: string) => Predicate;

function compileRules(source: RulesFile, compile: Compile, paths: PathSlots): CompiledRules {
  const { scoringIndex, anyEvent } = compileScoring(source, compile);
  const productValue = new Map(source.products.map((product) => [product.id, product.value]));
  const offers = source.offers.map((offer, index): CompiledOffer => ({
    source: offer,
    index,
    value: offer.value ?? (offer.product ? productValue.get(offer.product) : undefined) ?? 1,
    learnBy: offer.learn_by ?? source.learn_by,
    matches: compile(offer.when, `offers[${index}].when`),
    excluded: offer.unless ? compile(offer.unless, `offers[${index}].unless`) : null,
  }));
  const offersBySlot = new Map<string, CompiledOffer[]>();
  for (const offer of offers) {
    for (const slot of offer.source.slots) pushTo(offersBySlot, slot, offer);
  }
  return {
    source,
    paths,
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
      inherited: audience.id in Object.prototype,
      days: audience.days,
      consent: audience.requires_consent,
      matches: compile(audience.when, `audiences[${i}].when`),
      exits: audience.exit_when ? compile(audience.exit_when, `audiences[${i}].exit_when`) : null,
    })),
    lifecycle: compileLifecycle(source, compile),
    // Last: the properties above have compiled every condition, so `paths` holds all they read.
    readsCountry: paths.reads('request.country') || source.offers.some((offer) => offer.because?.includes('{request.country}')),
  };
}

function compileLifecycle(source: RulesFile, compile: Compile): CompiledLifecycle {
  const { activated_when, dormant_days, referral_param } = source.lifecycle;
  return {
    products: source.products.flatMap((product, i) =>
      product.taken_when
        ? [
            {
              id: product.id,
              taken: compile(product.taken_when, `products[${i}].taken_when`),
              closed: product.closed_when ? compile(product.closed_when, `products[${i}].closed_when`) : null,
            },
          ]
        : [],
    ),
    activated: activated_when ? compile(activated_when, 'lifecycle.activated_when') : null,
    customerStage: funnelStages(source).customer,
    dormantMs: dormant_days * DAY_MS,
    referralParam: referral_param,
  };
}

function compileScoring(source: RulesFile, compile: Compile) {
  const scoringIndex = new Map<string, ScoringByType>();
  const anyEvent: CompiledScoreRule[] = [];
  source.scoring.rules.forEach((rule, i) => {
    const index = indexKey(rule.when);
    // The index already guarantees the pinned fields: test only the rest of the condition.
    const rest = index
      ? Object.fromEntries(Object.entries(rule.when).filter(([path]) => !index.pinned.includes(path)))
      : rule.when;
    const compiled: CompiledScoreRule = {
      id: rule.id,
      inherited: rule.id in Object.prototype,
      points: rule.points,
      product: rule.product,
      max_per_day: rule.max_per_day,
      reason: rule.reason ?? rule.id,
      matches: compile(rest, `scoring.rules[${i}].when`),
    };
    if (index === null) return anyEvent.push(compiled);
    let byType = scoringIndex.get(index.type);
    if (!byType) scoringIndex.set(index.type, (byType = { any: [], byName: new Map() }));
    if (index.name === undefined) return byType.any.push(compiled);
    pushTo(byType.byName, index.name, compiled);
  });
  return { scoringIndex, anyEvent };
}

const NAME_FIELD = { track: 'event.name', form: 'event.form', offer: 'event.offer' } as const;

/** Where a `when` that pins `event.type` (and the name) by plain equality is indexed, else null. */
export function indexKey(when: Condition): { type: string; name?: string; pinned: string[] } | null {
  const type = when['event.type'];
  if (typeof type !== 'string') return null;
  const nameField = NAME_FIELD[type as keyof typeof NAME_FIELD];
  const name = nameField ? when[nameField] : undefined;
  if (typeof name === 'string') return { type, name, pinned: ['event.type', nameField] };
  return { type, pinned: ['event.type'] };
}

/** The name an event's rules are indexed by: the tracked name, the form, or the offer. */
export function eventName(event: Event): string | undefined {
  return event.type === 'track'
    ? event.name
    : event.type === 'form'
      ? event.form
      : event.type === 'offer'
        ? event.offer
        : undefined;
}
