// Intent scoring: points decay exponentially with a half-life, kept as (value, as_of) so that adding
// points or reading the score is closed-form: score(t) = Σ points · 2^(−(t − t_i) / half_life).
import type { Event } from '../schema/events';
import type { EvalContext } from './context';
import { scoringRulesFor, type CompiledRules, type CompiledScoreRule } from './rules';
import { LIMITS, own, type ScoreState, type VisitorState } from './state';
import { dayOf, decayFactor } from './time';

/** Applies every scoring rule that matches the event's context. */
export function scoreEvent(rules: CompiledRules, state: VisitorState, context: EvalContext, event: Event, at: number): void {
  const name = event.type === 'track' ? event.name : event.type === 'form' ? event.form : event.type === 'offer' ? event.offer : undefined;
  const day = dayOf(at);
  for (const list of scoringRulesFor(rules, event.type, name)) {
    for (const rule of list) {
      // The cap is checked first: it is a lookup, the condition may be regexes.
      if (exhausted(state, rule, day) || !rule.matches(context)) continue;
      countFiring(state, rule, day);
      addPoints(state.score, rule.id, rule.product, rule.points, at, rules.halfLifeDays);
    }
  }
  pruneReasons(state.score.reasons);
}

/** Whether a rule with max_per_day has already fired that often on this UTC day. */
function exhausted(state: VisitorState, rule: CompiledScoreRule, day: number): boolean {
  if (rule.max_per_day === undefined) return false;
  const tally = own(state.rule_days, rule.id);
  return tally !== undefined && tally[0] === day && tally[1] >= rule.max_per_day;
}

function countFiring(state: VisitorState, rule: CompiledScoreRule, day: number): void {
  if (rule.max_per_day === undefined) return;
  const tally = own(state.rule_days, rule.id);
  // A late event from an earlier day neither counts against nor resets today's tally.
  if (tally === undefined || day > tally[0]) state.rule_days[rule.id] = [day, 1];
  else if (day === tally[0]) tally[1] += 1;
}

/** Adds points earned at `at`; an event older than `as_of` is added already decayed. */
export function addPoints(score: ScoreState, reason: string, product: string | undefined, points: number, at: number, halfLifeDays: number): void {
  let added = points;
  if (at > score.as_of) {
    scaleScore(score, decayFactor(at - score.as_of, halfLifeDays));
    score.as_of = at;
  } else {
    added = points * decayFactor(score.as_of - at, halfLifeDays);
  }
  score.total += added;
  if (product) score.products[product] = (own(score.products, product) ?? 0) + added;
  score.reasons[reason] = (own(score.reasons, reason) ?? 0) + added;
}

function scaleScore(score: ScoreState, factor: number): void {
  score.total *= factor;
  for (const id in score.products) score.products[id] *= factor;
  for (const id in score.reasons) score.reasons[id] *= factor;
}

/**
 * Keeps the largest contributions only: the profile explains the score, it does not audit it.
 * Pruning once per event, and only past twice the limit, keeps the sort off most events.
 */
export function pruneReasons(reasons: Record<string, number>): void {
  const ids = Object.keys(reasons);
  if (ids.length <= 2 * LIMITS.reasons) return;
  ids.sort((a, b) => Math.abs(reasons[b]) - Math.abs(reasons[a]));
  for (const id of ids.slice(LIMITS.reasons)) delete reasons[id];
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
