// How the rollups key what they count: offer arms and the stages that make a lead. Pure, so
// Node-side checks (test/system/rollups.ts) count their truth the same way.
import type { RulesFile } from '../../rules/schema';

/** The arm of an offer event or exposure: the variant id, "-" without variants, or "holdout". */
export const HOLDOUT_ARM = 'holdout';
export const armOf = (variant: string | undefined, holdout = false): string => (holdout ? HOLDOUT_ARM : (variant ?? '-'));

/**
 * Whether the rules could have decided this arm: an offer of the rules, with one of its variants
 * (none when it has none), or held out. Anything else was made up and gets no row of its own.
 */
export function isRulesArm(rules: RulesFile | undefined, offer: string, variant: string | undefined, holdout = false): boolean {
  const known = rules?.offers.find((o) => o.id === offer);
  if (!known) return false;
  if (holdout) return true;
  return known.variants ? known.variants.some((v) => v.id === variant) : variant === undefined;
}

/** Lapsed states: a visitor falls into them from any stage, so they are no step of the funnel. */
const LAPSED = /dormant|churn|lapsed|lost/;

/**
 * The stages that make a visitor a lead: "lead" and the stages listed before it (more advanced),
 * apart from lapsed states such as dormant or churned, which say nothing of having been a lead.
 */
export function funnelStages(rules: RulesFile): { leadStages: string[]; customer: string | null } {
  const ids = rules.stages.map((stage) => stage.id);
  const lead = ids.indexOf('lead');
  return {
    leadStages: lead < 0 ? [] : ids.slice(0, lead + 1).filter((id) => !LAPSED.test(id)),
    customer: ids.includes('customer') ? 'customer' : null,
  };
}

/**
 * The stages in the order a visitor moves through them: the rules list the most advanced first
 * (the first match wins), so reversed, with the lapsed states after the funnel.
 */
export function stagesInFunnelOrder(rules: RulesFile): RulesFile['stages'] {
  const forward = [...rules.stages].reverse();
  return [...forward.filter((stage) => !LAPSED.test(stage.id)), ...forward.filter((stage) => LAPSED.test(stage.id))];
}
