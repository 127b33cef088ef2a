// One line per page slot: which offer arm wins there over its holdout, or how many more visitors
// it takes to tell. Pure: reads the offers' arms as kpis.ts computed them. Formulas:
// worker/analytics/README.md ("Winner per slot").
import type { RulesFile } from '../../rules/schema';
import type { OfferArm, OfferStats, SlotSummary } from '../schema/stats';

/** z for a two-sided 95% test and for 80% power: the usual sample size of an A/B test. */
const Z_ALPHA = 1.959964;
const Z_POWER = 0.841621;
/** The smallest lift worth finding when no arm is ahead yet: 20% of the baseline rate. */
const RELATIVE_EFFECT = 0.2;
/** The baseline assumed before anyone submitted: 5%. */
const ASSUMED_RATE = 0.05;

/** Visitors per side to tell `baseline` from `baseline + difference` (95% two-sided, 80% power). */
export function visitorsPerArm(baseline: number, difference: number): number {
  const treated = Math.min(1, baseline + difference);
  const variance = baseline * (1 - baseline) + treated * (1 - treated);
  return Math.ceil(((Z_ALPHA + Z_POWER) ** 2 * variance) / difference ** 2);
}

interface Candidate {
  offer: OfferStats;
  arm: OfferArm;
}

/** The slots the rules name (the top-level list, else every offer's), each with its verdict. */
export function slotSummaries(rules: RulesFile, offers: OfferStats[]): SlotSummary[] {
  const slots = rules.slots ?? [...new Set(rules.offers.flatMap((o) => o.slots))];
  return slots.map((slot) => {
    const inSlot = rules.offers.filter((o) => o.slots.includes(slot)).map((o) => o.id);
    const stats = offers.filter((o) => inSlot.includes(o.offer));
    const measured = rules.offers.some((o) => inSlot.includes(o.id) && o.holdout > 0) || stats.some((o) => o.holdout);
    const empty = { slot, offer: null, arm: null, lift: null, visitors_needed: null };
    if (inSlot.length === 0) return { ...empty, verdict: 'no_offers' as const };
    if (!measured) return { ...empty, verdict: 'no_holdout' as const };
    const candidates: Candidate[] = stats.flatMap((offer) => offer.arms.filter((arm) => arm.lift).map((arm) => ({ offer, arm })));
    const byDifference = [...candidates].sort((a, b) => b.arm.lift!.difference - a.arm.lift!.difference);
    const winner = byDifference.find((c) => c.arm.lift!.significant && c.arm.lift!.difference > 0);
    if (winner) return { ...line(slot, winner), verdict: 'winner' as const, visitors_needed: 0 };
    if (byDifference.length && byDifference.every((c) => c.arm.lift!.significant && c.arm.lift!.difference < 0))
      return { ...line(slot, byDifference[0]), verdict: 'holdout_wins' as const, visitors_needed: 0 };
    const leader = byDifference[0] ?? firstArm(stats, inSlot);
    return {
      ...(leader ? line(slot, leader) : empty),
      verdict: 'not_enough_data' as const,
      visitors_needed: leader ? stillNeeded(leader) : visitorsPerArm(ASSUMED_RATE, ASSUMED_RATE * RELATIVE_EFFECT) * 2,
    };
  });
}

function line(slot: string, { offer, arm }: Candidate) {
  return { slot, offer: offer.offer, arm: arm.arm, lift: arm.lift };
}

/** An offer's first arm when none has a lift yet (no one exposed on one side). */
function firstArm(stats: OfferStats[], inSlot: string[]): Candidate | undefined {
  const offer = stats.find((o) => inSlot.includes(o.offer) && o.arms.length);
  return offer && { offer, arm: offer.arms[0] };
}

/** Exposed visitors still missing, arm and holdout together, to detect the lift seen so far (or 20% of the baseline). */
function stillNeeded({ offer, arm }: Candidate): number {
  const holdout = offer.holdout;
  const all = [...offer.arms, ...(holdout ? [holdout] : [])];
  const pooledExposed = all.reduce((n, a) => n + a.exposed, 0);
  const pooled = pooledExposed ? all.reduce((n, a) => n + a.goal_visitors, 0) / pooledExposed : 0;
  const baseline = holdout?.goal_rate || pooled || ASSUMED_RATE;
  const difference = arm.lift && arm.lift.difference > 0 ? arm.lift.difference : baseline * RELATIVE_EFFECT;
  const perArm = visitorsPerArm(baseline, difference);
  return Math.max(0, perArm - arm.exposed) + Math.max(0, perArm - (holdout?.exposed ?? 0));
}
