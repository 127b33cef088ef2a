// Intent scoring: points decay exponentially with a half-life, kept as (value, as_of) so that adding
// points or reading the score is closed-form: score(t) = Σ points · 2^(−(t − t_i) / half_life).
import type { Event } from '../schema/events';
import type { EvalContext } from './context';
import { eventName, type CompiledRules, type CompiledScoreRule } from './rules';
import { LIMITS, own, ownKey, type ScoreState, type VisitorState } from './state';
import { utcDayNumber } from '../lib/time';
import { decayFactor } from './decay';

/**
 * Applies every scoring rule that matches the event's context: those indexed under no event, under
 * its type, then under its type and name (always in that order: float sums depend on it).
 */
export function scoreEvent(rules: CompiledRules, state: VisitorState, context: EvalContext, event: Event, at: number): void {
  const day = utcDayNumber(at);
  let added = scoreWith(rules.anyEvent, rules, state, context, at, day);
  const byType = rules.scoringIndex.get(event.type);
  if (byType) {
    added = scoreWith(byType.any, rules, state, context, at, day) || added;
    const name = eventName(event);
    const byName = name === undefined ? undefined : byType.byName.get(name);
    if (byName) added = scoreWith(byName, rules, state, context, at, day) || added;
  }
  // Only a new reason can take the list past its limit.
  if (added) pruneReasons(state.score);
}

/** Applies the matching rules of one list; true when one of them added a new reason. */
function scoreWith(
  list: CompiledScoreRule[],
  rules: CompiledRules,
  state: VisitorState,
  context: EvalContext,
  at: number,
  day: number,
): boolean {
  let added = false;
  for (const rule of list) {
    // The condition comes first: most rules an event meets fail it, and their regexes are
    // memoized (conditions.ts), while the cap is a lookup in a table as long as the rules.
    if (!rule.matches(context) || exhausted(state, rule, day)) continue;
    countFiring(state, rule, day);
    added = addPoints(state.score, rule.id, rule.product, rule.points, at, rules.halfLifeDays) || added;
  }
  return added;
}

/** Whether a rule with max_per_day has already fired that often on this UTC day. */
function exhausted(state: VisitorState, rule: CompiledScoreRule, day: number): boolean {
  if (rule.max_per_day === undefined) return false;
  const tally = ownKey(state.rule_days, rule);
  return tally !== undefined && tally[0] === day && tally[1] >= rule.max_per_day;
}

function countFiring(state: VisitorState, rule: CompiledScoreRule, day: number): void {
  if (rule.max_per_day === undefined) return;
  const tally = ownKey(state.rule_days, rule);
  // A late event from an earlier day neither counts against nor resets today's tally.
  if (tally === undefined || day > tally[0]) state.rule_days[rule.id] = [day, 1];
  else if (day === tally[0]) tally[1] += 1;
}

/**
 * Adds points earned at `at`; an event older than `as_of` is added already decayed. True when
 * `reason` is new to the score's reasons.
 */
export function addPoints(
  score: ScoreState,
  reason: string,
  product: string | undefined,
  points: number,
  at: number,
  halfLifeDays: number,
): boolean {
  let added = points;
  if (at > score.as_of) {
    scaleScore(score, decayFactor(at - score.as_of, halfLifeDays));
    score.as_of = at;
  } else {
    added = points * decayFactor(score.as_of - at, halfLifeDays);
  }
  score.total += added;
  if (product) score.products[product] = (own(score.products, product) ?? 0) + added;
  const before = own(score.reasons, reason);
  score.reasons[reason] = (before ?? 0) + added;
  return before === undefined;
}

function scaleScore(score: ScoreState, factor: number): void {
  score.total *= factor;
  for (const id in score.products) score.products[id] *= factor;
  for (const id in score.reasons) score.reasons[id] *= factor;
}

/**
 * Keeps the largest contributions only: the profile explains the score, it does not audit it.
 * Pruning once per event, and only past twice the limit, keeps this off most events.
 */
export function pruneReasons(score: ScoreState): void {
  const reasons = score.reasons;
  const ids = Object.keys(reasons);
  if (ids.length <= 2 * LIMITS.reasons) return;
  const sizes = ids.map((id) => Math.abs(reasons[id]));
  for (let i = 0; i < ids.length; i += 1) {
    // An id's rank: the larger ones, and the equal ones before it in key order (a stable sort's
    // ties). Counted directly, as a list just past twice the limit is too short to pay for a sort.
    let rank = 0;
    for (let j = 0; j < ids.length && rank < LIMITS.reasons; j += 1) {
      if (sizes[j] > sizes[i] || (sizes[j] === sizes[i] && j < i)) rank += 1;
    }
    // Deleting makes the object a hash table, which suits it: reasons come and go every few events,
    // and each new key on an ordinary object would build it a new hidden class.
    if (rank >= LIMITS.reasons) delete reasons[ids[i]];
  }
}

/** The top reasons as text, e.g. "rates-page +12.5", largest first. */
export function scoreReasons(rules: CompiledRules, score: ScoreState, now: number): string[] {
  const factor = now > score.as_of ? decayFactor(now - score.as_of, rules.halfLifeDays) : 1;
  return Object.entries(score.reasons)
    .map(([id, value]) => [id, value * factor] as const)
    .sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]))
    .slice(0, LIMITS.reasons)
    .map(([id, value]) => `${rules.scoreReasons.get(id) ?? id} ${value >= 0 ? '+' : ''}${round1(value)}`);
}

export function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
