// Checks across sections that zod alone cannot express: ids that must exist or be unique, shares
// that must add up, scoring rules that can never match. Each problem has a path into the file.
import { FormAction, OfferAction } from '../worker/schema/events';
import { MAX_CONDITION_DEPTH } from '../worker/engine/conditions';
import type { Condition, RulesFile } from './schema';

export interface Problem {
  path: string;
  reason: string;
}

const EVENT_TYPES = ['page', 'form', 'track', 'offer', 'identify'];
const NAME_FIELDS: Record<string, string> = { 'event.name': 'track', 'event.form': 'form', 'event.offer': 'offer' };
const ACTIONS: Record<string, readonly string[]> = { form: FormAction.options, offer: OfferAction.options };

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
  const ids: Known = { ...known, audience: new Set(rules.audiences.map((a) => a.id)), offer: new Set(rules.offers.map((o) => o.id)) };
  for (const [at, condition] of conditionsOf(rules)) checkIds(condition, at, ids, problems);
  unreachableStages(rules.stages, problems);
  rules.scoring.rules.forEach((rule, i) => {
    unknown(known.product, rule.product, `scoring.rules[${i}].product`, 'product', problems);
    const never = neverMatches(rule.when);
    if (never) problems.push({ path: `scoring.rules[${i}].when`, reason: `can never match: ${never}` });
    for (const type of never ? [] : unknownEventTypes(rule.when)) {
      problems.push({ path: `scoring.rules[${i}].when.event.type`, reason: `"${type}" is not an event type (${EVENT_TYPES.join(', ')})` });
    }
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
  const types = pinned(when['event.type']);
  if (!types) return null;
  if (types.length === 0) return 'event.type is in an empty list';
  const valid = types.filter((t): t is string => typeof t === 'string' && EVENT_TYPES.includes(t));
  if (valid.length === 0) return `event.type ${JSON.stringify(types[0])} is not one of ${EVENT_TYPES.join(', ')}`;
  for (const [field, needs] of Object.entries(NAME_FIELDS)) {
    if (field in when && !valid.includes(needs)) return `${field} exists only on ${needs} events`;
  }
  const actions = pinned(when['event.action']);
  if (actions) {
    const possible = valid.flatMap((t) => ACTIONS[t] ?? []);
    if (!actions.some((action) => typeof action === 'string' && possible.includes(action))) {
      return `event.action ${JSON.stringify(actions[0] ?? null)} is not an action of ${valid.join('|')} events (${possible.join(', ') || 'they have none'})`;
    }
  }
  return null;
}

/** Event types in a `when` that are not event types at all, though others in the list are. */
export function unknownEventTypes(when: Condition): string[] {
  const types = pinned(when['event.type']) ?? [];
  const bad = types.filter((t) => typeof t !== 'string' || !EVENT_TYPES.includes(t));
  return bad.length < types.length ? bad.map((t) => String(t)) : [];
}

/** The values a field is pinned to by equality or $in, or null when it is not pinned. */
function pinned(value: unknown): unknown[] | null {
  if (typeof value === 'string') return [value];
  if (typeof value === 'object' && value !== null && Array.isArray((value as { $in?: unknown }).$in)) return (value as { $in: unknown[] }).$in;
  return null;
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

type Kind = 'product' | 'stage' | 'segment' | 'audience' | 'offer';
type Known = Record<Kind, Set<string>>;
/** Context paths whose values are ids from the rules file. */
const ID_VALUES: Record<string, Kind> = { stage: 'stage', segments: 'segment', audiences: 'audience', 'event.offer': 'offer' };
/** Context paths with an id from the rules file inside them. */
const ID_PATHS: Array<[RegExp, Kind]> = [[/^score\.products\.([^.]+)/, 'product'], [/^offers\.([^.]+)/, 'offer']];

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
function checkIds(condition: unknown, at: string, known: Known, problems: Problem[], depth = 1): void {
  // Deeper conditions are refused when compiled (conditions.ts): stop rather than overflow.
  if (typeof condition !== 'object' || condition === null || depth > MAX_CONDITION_DEPTH) return;
  for (const [key, value] of Object.entries(condition)) {
    const path = `${at}.${key}`;
    if (key === '$and' || key === '$or' || key === '$nor') {
      if (Array.isArray(value)) value.forEach((item, i) => checkIds(item, `${path}[${i}]`, known, problems, depth + 2));
    } else if (key === '$not') {
      checkIds(value, path, known, problems, depth + 1);
    } else if (Object.hasOwn(ID_VALUES, key)) {
      for (const id of literalStrings(value)) unknown(known[ID_VALUES[key]], id, path, ID_VALUES[key], problems);
    } else {
      for (const [pattern, kind] of ID_PATHS) {
        const id = pattern.exec(key)?.[1];
        if (id !== undefined) unknown(known[kind], id, path, kind, problems);
      }
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
