// Next-best offer per slot: eligible offers ranked by priority = propensity × value × weight (ties
// go to the offer listed first), one offer per slot and none twice on a page, each with reasons.
import type { OfferDecision } from '../schema/decision';
import { readPath, type EvalContext } from './context';
import { ineligible } from './eligibility';
import { assign, type Assignment } from './experiments';
import { propensity } from './propensity';
import type { CompiledOffer, CompiledRules } from './rules';
import type { VisitorState } from './state';

export interface Ranked {
  offer: CompiledOffer;
  assignment: Assignment;
  propensity: number;
  priority: number;
  formula: string;
}

/** Every offer for the slots, ranked or with the reason it is out: what `simulate` prints. */
export function rankOffers(rules: CompiledRules, state: VisitorState, context: EvalContext, now: number, offers: Iterable<CompiledOffer>) {
  const ranked: Ranked[] = [];
  const out: Array<{ offer: CompiledOffer; why: string }> = [];
  for (const offer of offers) {
    const history = state.offers[offer.source.id];
    const why = ineligible(offer, history, context, now);
    if (why) {
      out.push({ offer, why });
      continue;
    }
    const assignment = assign(offer.source, state.vid);
    const counts = history?.variants[assignment.variant?.id ?? '-'];
    const p = propensity(offer.source, counts, state.vid, now);
    const priority = p.value * offer.value * offer.source.weight;
    const formula = `priority ${fmt(priority)} = ${p.sampled ? 'sampled ' : ''}propensity ${fmt(p.value)} × value ${offer.value} × weight ${offer.source.weight}`;
    ranked.push({ offer, assignment, propensity: p.value, priority, formula });
  }
  ranked.sort((a, b) => b.priority - a.priority || a.offer.index - b.offer.index);
  return { ranked, out };
}

export function chooseOffers(rules: CompiledRules, state: VisitorState, context: EvalContext, now: number, slots: readonly string[]): OfferDecision[] {
  const decisions: OfferDecision[] = [];
  const used = new Set<string>();
  const rankedOnce = new Map<string, Ranked | string>();
  for (const slot of new Set(slots)) {
    const candidates = (rules.offersBySlot.get(slot) ?? []).filter((offer) => !used.has(offer.source.id));
    const { ranked, out } = rankOffers(rules, state, context, now, candidates.filter((o) => !rankedOnce.has(o.source.id)));
    for (const r of ranked) rankedOnce.set(r.offer.source.id, r);
    for (const o of out) rankedOnce.set(o.offer.source.id, o.why);
    const all = candidates.map((offer) => rankedOnce.get(offer.source.id)!);
    const eligible = all.filter((r): r is Ranked => typeof r !== 'string');
    eligible.sort((a, b) => b.priority - a.priority || a.offer.index - b.offer.index);
    const winner = eligible[0];
    if (!winner) continue;
    used.add(winner.offer.source.id);
    decisions.push(decisionFor(slot, winner, eligible.slice(1), candidates, rankedOnce, context));
  }
  return decisions;
}

function decisionFor(
  slot: string, winner: Ranked, others: Ranked[], candidates: CompiledOffer[], results: Map<string, Ranked | string>, context: EvalContext,
): OfferDecision {
  const offer = winner.offer.source;
  const { holdout, variant, bucket } = winner.assignment;
  const reasons = [`stage=${context.stage}`];
  if (offer.segments) reasons.push(`segment=${offer.segments.filter((id) => context.segments.includes(id)).join('|')}`);
  reasons.push(offer.because ? fillTemplate(offer.because, context) : `eligible for ${offer.id}`, winner.formula);
  for (const other of others) {
    const tie = other.priority === winner.priority ? ', tie broken by file order' : '';
    reasons.push(`outranked ${other.offer.source.id} (${fmt(other.priority)}${tie})`);
  }
  for (const candidate of candidates) {
    const why = results.get(candidate.source.id);
    if (typeof why === 'string' && /^(capped|cooling|already)/.test(why)) reasons.push(`skipped ${candidate.source.id}: ${why}`);
  }
  if (holdout) {
    reasons.push(`holdout (bucket ${fmt(bucket)} < ${offer.holdout}): recorded, not shown`);
    return { slot, offer: offer.id, ...(variant ? { variant: variant.id } : {}), holdout: true, reasons };
  }
  if (variant) reasons.push(`variant ${variant.id} (bucket ${fmt(bucket)})`);
  const banner = variant?.banner ? { ...offer.banner, ...variant.banner } : offer.banner;
  return { slot, offer: offer.id, ...(variant ? { variant: variant.id } : {}), holdout: false, banner, reasons };
}

/** Fills {dotted.path} placeholders from the context; a missing value reads "?". */
export function fillTemplate(template: string, context: EvalContext): string {
  return template.replace(/\{([^{}]+)\}/g, (_, path: string) => {
    const value = readPath(context, path);
    if (typeof value === 'number') return String(Math.round(value * 10) / 10);
    return value === undefined || value === null || typeof value === 'object' ? '?' : String(value);
  });
}

function fmt(value: number): string {
  return Number(value.toPrecision(3)).toString();
}
