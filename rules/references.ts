// Checks across sections that zod alone cannot express: ids that must exist or be unique, shares
// that must add up, scoring rules that can never match. Each problem has a path into the file.
import { FormAction, OfferAction } from '../worker/schema/events';
import { MAX_CONDITION_DEPTH } from '../worker/engine/conditions';
import type { ParsedRules, Items } from './partial';
import type { Condition } from './schema';

export interface Problem {
  path: string;
  reason: string;
}

const EVENT_TYPES = ['page', 'form', 'track', 'offer', 'identify'];
const NAME_FIELDS: Record<string, string> = { 'event.name': 'track', 'event.form': 'form', 'event.offer': 'offer' };
const ACTIONS: Record<string, readonly string[]> = { form: FormAction.options, offer: OfferAction.options };

export function checkReferences(rules: ParsedRules): Problem[] {
  const problems: Problem[] = [];
  const sections = ['products', 'stages', 'segments', 'offers', 'audiences'] as const;
  for (const section of sections) duplicates(rules[section], section, problems);
  duplicates(rules.scoring.rules, 'scoring.rules', problems);
  const known: Known = {
    product: ids(rules.products),
    stage: ids(rules.stages),
    segment: ids(rules.segments),
    audience: ids(rules.audiences),
    offer: ids(rules.offers),
  };
  const slots = rules.slots ? new Set(rules.slots) : null;
  for (const [at, condition] of conditionsOf(rules)) checkIds(condition, at, known, problems);
  stageOrder(rules.stages, problems);
  learnBy(rules.learn_by, 'learn_by', known.segment, problems);
  const origins = new Set(rules.origins?.map((origin) => new URL(origin).origin));
  rules.test_origins?.forEach((origin, i) => {
    if (rules.origins && !origins.has(new URL(origin).origin))
      problems.push({ path: `test_origins[${i}]`, reason: `${origin} must be listed in "origins" too (its pages send events)` });
  });
  for (const [at, condition, reason] of decidedWithoutEvent(rules)) {
    const path = fieldsOf(condition, at).find(([, key]) => key === 'event' || key.startsWith('event.'))?.[0];
    if (path) problems.push({ path, reason });
  }
  rules.scoring.rules.forEach((rule, i) => {
    if (!rule) return;
    unknown(known.product, rule.product, `scoring.rules[${i}].product`, 'product', problems);
    const never = neverMatches(rule.when);
    if (never) problems.push({ path: `scoring.rules[${i}].when`, reason: `can never match: ${never}` });
    for (const type of never ? [] : unknownEventTypes(rule.when)) {
      problems.push({
        path: `scoring.rules[${i}].when.event.type`,
        reason: `"${type}" is not an event type (${EVENT_TYPES.join(', ')})`,
      });
    }
  });
  rules.offers.forEach((offer, i) => {
    if (!offer) return;
    const at = `offers[${i}]`;
    unknown(known.product, offer.product, `${at}.product`, 'product', problems);
    offer.stages?.forEach((id, j) => unknown(known.stage, id, `${at}.stages[${j}]`, 'stage', problems));
    offer.segments?.forEach((id, j) => unknown(known.segment, id, `${at}.segments[${j}]`, 'segment', problems));
    offer.slots.forEach((id, j) => unknown(slots, id, `${at}.slots[${j}]`, 'slot', problems));
    learnBy(offer.learn_by, `${at}.learn_by`, known.segment, problems);
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

/**
 * The first match wins, so nothing after a stage that matches everyone is ever reached; and the
 * last stage must be that catch-all, so that every visitor has a stage and none is put in one
 * whose condition they do not meet.
 */
function stageOrder(stages: ParsedRules['stages'], problems: Problem[]): void {
  const catchAll = stages.findIndex((stage) => stage !== undefined && Object.keys(stage.when).length === 0);
  const last = stages.at(-1);
  if (catchAll === -1) {
    if (last)
      problems.push({
        path: `stages[${stages.length - 1}].when`,
        reason: `the last stage must have no "when" (a catch-all): a visitor who matches no stage would have none`,
      });
    return;
  }
  for (let i = catchAll + 1; i < stages.length; i += 1) {
    problems.push({
      path: `stages[${i}]`,
      reason: `unreachable: stages[${catchAll}] ("${stages[catchAll]!.id}") has no condition and matches everyone first`,
    });
  }
}

/** Ids of a section, or null when an item failed the schema and the ids are not all known. */
function ids(items: Items<Array<{ id: string }>>): Set<string> | null {
  return items.includes(undefined) ? null : new Set(items.map((item) => item!.id));
}

/**
 * A context key (`learn_by`) that can only split visitors: a field listed twice, or segments where
 * the rules declare none (every visitor's would be the same empty set).
 */
function learnBy(fields: readonly string[] | undefined, at: string, segments: Set<string> | null, problems: Problem[]): void {
  fields?.forEach((field, i) => {
    const first = fields.indexOf(field);
    if (first < i) problems.push({ path: `${at}[${i}]`, reason: `"${field}" is listed twice (first at ${at}[${first}])` });
    else if (field === 'segments' && segments?.size === 0)
      problems.push({ path: `${at}[${i}]`, reason: 'learns by segments, but the rules declare no segments' });
  });
}

function duplicates(items: Items<Array<{ id: string }>>, at: string, problems: Problem[]): void {
  const seen = new Map<string, number>();
  items.forEach((item, i) => {
    if (!item) return;
    const first = seen.get(item.id);
    if (first === undefined) seen.set(item.id, i);
    else problems.push({ path: `${at}[${i}].id`, reason: `duplicate id "${item.id}" (first at ${at}[${first}])` });
  });
}

/** Reports `id` unless it is known; nothing when `known` is null (the section did not parse). */
function unknown(known: Set<string> | null, id: string | undefined, path: string, kind: string, problems: Problem[]): void {
  if (known && id !== undefined && !known.has(id)) {
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
  if (typeof value === 'object' && value !== null && Array.isArray((value as { $in?: unknown }).$in))
    return (value as { $in: unknown[] }).$in;
  return null;
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

type Kind = 'product' | 'stage' | 'segment' | 'audience' | 'offer';
type Known = Record<Kind, Set<string> | null>;
/** Context paths whose values are ids from the rules file. */
const ID_VALUES: Record<string, Kind> = { stage: 'stage', segments: 'segment', audiences: 'audience', 'event.offer': 'offer' };
/** Context paths with an id from the rules file inside them. */
const ID_PATHS: Array<[RegExp, Kind]> = [
  [/^score\.products\.([^.]+)/, 'product'],
  [/^offers\.([^.]+)/, 'offer'],
];

/** Every condition in the file with its path. */
export function conditionsOf(rules: ParsedRules): Array<[string, Condition]> {
  const found: Array<[string, Condition | undefined]> = [
    ...rules.scoring.rules.map((r, i): [string, Condition | undefined] => [`scoring.rules[${i}].when`, r?.when]),
    ...rules.stages.map((s, i): [string, Condition | undefined] => [`stages[${i}].when`, s?.when]),
    ...rules.segments.map((s, i): [string, Condition | undefined] => [`segments[${i}].when`, s?.when]),
    ...rules.offers.flatMap((o, i): Array<[string, Condition | undefined]> => [
      [`offers[${i}].when`, o?.when],
      [`offers[${i}].unless`, o?.unless],
    ]),
    ...rules.audiences.flatMap((a, i): Array<[string, Condition | undefined]> => [
      [`audiences[${i}].when`, a?.when],
      [`audiences[${i}].exit_when`, a?.exit_when],
    ]),
    ...rules.products.flatMap((p, i): Array<[string, Condition | undefined]> => [
      [`products[${i}].taken_when`, p?.taken_when],
      [`products[${i}].closed_when`, p?.closed_when],
    ]),
    [`lifecycle.activated_when`, rules.lifecycle?.activated_when],
  ];
  return found.filter((entry): entry is [string, Condition] => entry[1] !== undefined);
}

const NO_EVENT = {
  offer: 'offers are chosen without an event: event.* is always missing here',
  stage: 'stages are decided again without an event (event.* missing): a stage entered on an event would not last',
  segment:
    'segments are decided again without an event (event.* missing): make it sticky to keep the visitor in it after the event',
};

/**
 * The conditions evaluated when deciding, where there is no event, with the problem event.* is
 * there. Scoring rules, audiences and sticky segments act as each event is applied: they see it.
 */
function decidedWithoutEvent(rules: ParsedRules): Array<[string, Condition, string]> {
  const found: Array<[string, Condition | undefined, string]> = [
    ...rules.stages.map((s, i): [string, Condition | undefined, string] => [`stages[${i}].when`, s?.when, NO_EVENT.stage]),
    ...rules.segments.map((s, i): [string, Condition | undefined, string] => [
      `segments[${i}].when`,
      s?.sticky ? undefined : s?.when,
      NO_EVENT.segment,
    ]),
    ...rules.offers.flatMap((o, i): Array<[string, Condition | undefined, string]> => [
      [`offers[${i}].when`, o?.when, NO_EVENT.offer],
      [`offers[${i}].unless`, o?.unless, NO_EVENT.offer],
    ]),
  ];
  return found.filter((entry): entry is [string, Condition, string] => entry[1] !== undefined);
}

/**
 * Every field a condition tests on the context, with its path and value, reached through
 * $and, $or, $nor and $not (not $elemMatch, whose fields are an element's).
 */
function fieldsOf(condition: unknown, at: string, depth = 1): Array<[path: string, key: string, value: unknown]> {
  // Deeper conditions are refused when compiled (conditions.ts): stop rather than overflow.
  if (typeof condition !== 'object' || condition === null || depth > MAX_CONDITION_DEPTH) return [];
  return Object.entries(condition).flatMap(([key, value]): Array<[string, string, unknown]> => {
    const path = `${at}.${key}`;
    if (key === '$and' || key === '$or' || key === '$nor') {
      return Array.isArray(value) ? value.flatMap((item, i) => fieldsOf(item, `${path}[${i}]`, depth + 2)) : [];
    }
    return key === '$not' ? fieldsOf(value, path, depth + 1) : [[path, key, value]];
  });
}

/** Typos in ids inside conditions ("stage": "custmer") would silently never match: name them. */
function checkIds(condition: Condition, at: string, known: Known, problems: Problem[]): void {
  for (const [path, key, value] of fieldsOf(condition, at)) {
    if (Object.hasOwn(ID_VALUES, key)) {
      for (const id of literalStrings(value)) unknown(known[ID_VALUES[key]], id, path, ID_VALUES[key], problems);
      continue;
    }
    for (const [pattern, kind] of ID_PATHS) {
      const id = pattern.exec(key)?.[1];
      if (id !== undefined) unknown(known[kind], id, path, kind, problems);
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
