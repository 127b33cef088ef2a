// Chooses the banner for each requested slot. Pure: (rules, state, slots) in, decision out.
import type { Decision, OfferDecision } from '../schema/decision';
import type { CompiledRules } from './rules';
import type { VisitorState } from './state';

export function decide(rules: CompiledRules, state: VisitorState, slots: readonly string[]): Decision {
  const offers: OfferDecision[] = [];
  const shown = new Set<string>();
  for (const slot of slots) {
    const offer = rules.offers.find((o) => o.slots.includes(slot) && !shown.has(o.id) && o.matches(state));
    if (!offer) continue;
    shown.add(offer.id);
    offers.push({ slot, offer: offer.id, holdout: false, banner: offer.banner, reasons: [`matched ${JSON.stringify(offer.when)}`] });
  }
  return {
    vid: state.vid,
    stage: 'anonymous',
    segments: [],
    score: { total: 0, products: {} },
    offers,
    audiences: { join: [], leave: [] },
  };
}
