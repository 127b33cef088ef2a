// One visitor under one rules document, for the impact preview: their stored events folded again
// from the start (as a merge refolds them), then the decision now for every slot the rules name.
// Pure: nothing is stored; the Visitor calls it twice, with the live document and with the draft.
import { applyEvent, decide, loadRules, newVisitor, whyUnfilled, type CompiledRules, type ObservedRates } from '../engine';
import { scoreReasons } from '../engine/scoring';
import type { Event } from '../schema/events';
import type { RequestContext } from '../engine';

/** What a visitor would see under one document: the values compared, and the reasons for them. */
export interface Outcome {
  stage: string;
  segments: string[];
  /** Slot → "offer", "offer/variant", "offer (holdout)", or null for an empty slot. */
  offers: Record<string, string | null>;
  audiences: string[];
  /** The score and its top reasons: why the stage, segments and audiences are what they are. */
  score: string[];
  /** Slot → why it holds its offer (the decision's reasons), or why it stays empty. */
  offer_reasons: Record<string, string[]>;
}

/** A rules document as the preview passes it around: its digest names its compiled form. */
export interface Document {
  hash: string;
  json: string;
}

// A preview sends the same two documents to a thousand objects, many in one isolate: each is
// compiled once there. A few entries suffice (the live version and a draft or two).
const compiled = new Map<string, CompiledRules>();
const COMPILED_MAX = 8;

export function compiledDocument({ hash, json }: Document): CompiledRules {
  let rules = compiled.get(hash);
  if (!rules) {
    const loaded = loadRules(JSON.parse(json), 'draft');
    // Both documents were validated by the route; this is a programming error.
    if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
    rules = loaded.rules;
    if (compiled.size >= COMPILED_MAX) compiled.delete(compiled.keys().next().value!);
    compiled.set(hash, rules);
  }
  return rules;
}

/** Every slot any offer of the documents names, for the decisions compared. */
export function slotsOf(...documents: CompiledRules[]): string[] {
  return [...new Set(documents.flatMap((rules) => [...rules.offersBySlot.keys()]))].sort();
}

export function replayOutcome(
  rules: CompiledRules,
  profile: string,
  events: Iterable<{ event: Event; at: number; consent?: RequestContext['consent'] }>,
  slots: readonly string[],
  now: number,
  observed: ObservedRates,
): Outcome {
  let state: ReturnType<typeof newVisitor> | undefined;
  for (const { event, at, consent } of events) {
    state ??= newVisitor(profile, at);
    applyEvent(rules, state, event, at, { consent });
  }
  state ??= newVisitor(profile, now);
  const decision = decide(rules, state, slots, now, undefined, observed, 'full');
  const offers: Outcome['offers'] = {};
  const offerReasons: Outcome['offer_reasons'] = {};
  for (const slot of slots) {
    const chosen = decision.offers.find((offer) => offer.slot === slot);
    offers[slot] = chosen
      ? `${chosen.offer}${chosen.variant ? `/${chosen.variant}` : ''}${chosen.holdout ? ' (holdout)' : ''}`
      : null;
    offerReasons[slot] = chosen ? chosen.reasons : whyUnfilled(rules, state, slot, now);
  }
  return {
    stage: decision.stage,
    segments: [...decision.segments].sort(),
    offers,
    audiences: decision.audiences.join.map((audience) => audience.id).sort(),
    score: [`score ${decision.score.total}`, ...scoreReasons(rules, state.score, now)],
    offer_reasons: offerReasons,
  };
}
