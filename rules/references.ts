// Checks across sections that zod alone cannot express: ids that must exist or be unique, shares
// that must add up, scoring rules that can never match. Each problem has a path into the file.
import type { Condition, RulesFile } from './schema';

export interface Problem {
  path: string;
  reason: string;
}

const EVENT_TYPES = ['page', 'form', 'track', 'offer', 'identify'];
const NAME_FIELDS: Record<string, string> = { 'event.name': 'track', 'event.form': 'form', 'event.offer': 'offer' };

export function checkReferences(rules: RulesFile): Problem[] {
  const problems: Problem[] = [];
  const sections = ['products', 'stages', 'segments', 'offers', 'audiences'] as const;
  for (const section of sections) duplicates(rules[section], section, problems);
  duplicates(rules.scoring.rules, 'scoring.rules', problems);
  const known = {
    product: new Set(rules.products.map((p) => p.id)),
    stage: new Set(rules.stages.map((s) => s.id)),
    segment: new Set(rules.segments.map((s) => s.id)),
    slot: rules.slots ? new Set(rules.slots) : null,
  };
  for (const [at, condition] of conditionsOf(rules)) checkIds(condition, at, known, new Set(rules.audiences.map((a) => a.id)), problems);
  unreachableStages(rules.stages, problems);
  rules.scoring.rules.forEach((rule, i) => {
    unknown(known.product, rule.product, `scoring.rules[${i}].product`, 'product', problems);
    const never = neverMatches(rule.when);
    if (never) problems.push({ path: `scoring.rules[${i}].when`, reason: `can never match: ${never}` });
  });
  rules.offers.forEach((offer, i) => {
    const at = `offers[${i}]`;
    unknown(known.product, offer.product, `${at}.product`, 'product', problems);
    offer.stages?.forEach((id, j) => unknown(known.stage, id, `${at}.stages[${j}]`, 'stage', problems));
    offer.segments?.forEach((id, j) => unknown(known.segment, id, `${at}.segments[${j}]`, 'segment', problems));
    if (known.slot) offer.slots.forEach((id, j) => unknown(known.slot!, id, `${at}.slots[${j}]`, 'slot', problems));
    if (offer.variants) {
      duplicates(offer.variants, `${at}.variants`, problems);
      const shares = offer.variants.reduce((sum, variant) => sum + variant.weight, 0);
      if (Math.abs(shares + offer.holdout - 1) > 1e-9) {
        problems.push({
          path: `${at}.variants`,
          reason: `variant weights (${round(shares)}) and holdout (${offer.holdout}) add up to ${round(shares + offer.holdout)}, expected 1`,
        });
      }
    }
  });
  return problems;
}

/** The first match wins, so nothing after a stage that matches everyone is ever reached. */
function unreachableStages(stages: RulesFile['stages'], problems: Problem[]): void {
  const catchAll = stages.findIndex((stage) => Object.keys(stage.when).length === 0);
  if (catchAll === -1) return;
  for (let i = catchAll + 1; i < stages.length; i += 1) {
    problems.push({ path: `stages[${i}]`, reason: `unreachable: stages[${catchAll}] ("${stages[catchAll].id}") has no condition and matches everyone first` });
  }
}

function duplicates(items: ReadonlyArray<{ id: string }>, at: string, problems: Problem[]): void {
  const seen = new Map<string, number>();
  items.forEach((item, i) => {
    const first = seen.get(item.id);
    if (first === undefined) seen.set(item.id, i);
    else problems.push({ path: `${at}[${i}].id`, reason: `duplicate id "${item.id}" (first at ${at}[${first}])` });
  });
}

function unknown(known: Set<string>, id: string | undefined, path: string, kind: string, problems: Problem[]): void {
  if (id !== undefined && !known.has(id)) {
    const choices = [...known].join(', ') || `no ${kind}s are defined`;
    problems.push({ path, reason: `unknown ${kind} "${id}" (known: ${choices})` });
  }
}

/** Why a scoring rule's `when` can never match an event, or null when it might. */
export function neverMatches(when: Condition): string | null {
  const type = when['event.type'];
  const types = typeof type === 'string' ? [type] : isIn(type) ? type.$in : null;
  if (types) {
    const bad = types.find((t) => typeof t !== 'string' || !EVENT_TYPES.includes(t));
    if (bad !== undefined) return `event.type ${JSON.stringify(bad)} is not one of ${EVENT_TYPES.join(', ')}`;
    if (types.length === 0) return 'event.type is in an empty list';
  }
  for (const [field, needs] of Object.entries(NAME_FIELDS)) {
    if (field in when && types && !types.includes(needs)) return `${field} exists only on ${needs} events`;
  }
  return null;
}

function isIn(value: unknown): value is { $in: unknown[] } {
  return typeof value === 'object' && value !== null && Array.isArray((value as { $in?: unknown }).$in);
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

type Known = { product: Set<string>; stage: Set<string>; segment: Set<string> };

/** Every condition in the file with its path. */
function conditionsOf(rules: RulesFile): Array<[string, Condition]> {
  const found: Array<[string, Condition | undefined]> = [
    ...rules.scoring.rules.map((r, i): [string, Condition] => [`scoring.rules[${i}].when`, r.when]),
    ...rules.stages.map((s, i): [string, Condition] => [`stages[${i}].when`, s.when]),
    ...rules.segments.map((s, i): [string, Condition] => [`segments[${i}].when`, s.when]),
    ...rules.offers.flatMap((o, i): Array<[string, Condition | undefined]> => [[`offers[${i}].when`, o.when], [`offers[${i}].unless`, o.unless]]),
    ...rules.audiences.flatMap((a, i): Array<[string, Condition | undefined]> => [[`audiences[${i}].when`, a.when], [`audiences[${i}].exit_when`, a.exit_when]]),
  ];
  return found.filter((entry): entry is [string, Condition] => entry[1] !== undefined);
}

/** Typos in ids inside conditions ("stage": "custmer") would silently never match: name them. */
function checkIds(condition: unknown, at: string, known: Known, audiences: Set<string>, problems: Problem[]): void {
  if (typeof condition !== 'object' || condition === null) return;
  for (const [key, value] of Object.entries(condition)) {
    const path = `${at}.${key}`;
    if (key === '$and' || key === '$or' || key === '$nor') {
      if (Array.isArray(value)) value.forEach((item, i) => checkIds(item, `${path}[${i}]`, known, audiences, problems));
    } else if (key === '$not') {
      checkIds(value, path, known, audiences, problems);
    } else if (key.startsWith('score.products.')) {
      unknown(known.product, key.slice('score.products.'.length), path, 'product', problems);
    } else {
      const ids = key === 'stage' ? known.stage : key === 'segments' ? known.segment : key === 'audiences' ? audiences : null;
      const kind = key === 'segments' ? 'segment' : key === 'audiences' ? 'audience' : 'stage';
      if (ids) for (const id of literalStrings(value)) unknown(ids, id, path, kind, problems);
    }
  }
}

/** The strings a value compares against: itself, or under $eq, $ne, $in, $nin, $all. */
function literalStrings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  const operands = ['$eq', '$ne', '$in', '$nin', '$all'].flatMap((op) => [(value as Record<string, unknown>)[op]].flat());
  return operands.filter((item): item is string => typeof item === 'string');
}
