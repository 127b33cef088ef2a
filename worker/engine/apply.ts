// Folds one event into a visitor's state: history, click ids, products, score, stage, segments, audiences. Pure apart
// from mutating `state`, which the Durable Object then stores.
import type { Event } from '../schema/events';
import { updateAudiences } from './audiences';
import { mergeConsent } from './consent';
import { buildContext, decayedScore, update, type RequestContext } from './context';
import { recordEvent } from './history';
import { enterStage, segmentsFor, stageFor } from './lifecycle';
import { noteActivity, noteMilestones, updateProducts, noFacts, type EventFacts } from './customer';
import type { CompiledRules } from './rules';
import { scoreEvent } from './scoring';
import { noteClickIds } from './click-ids';
import { upgradeState, type VisitorState } from './state';

export function applyEvent(
  rules: CompiledRules,
  state: VisitorState,
  event: Event,
  at: number,
  request?: RequestContext,
  facts: EventFacts = noFacts(),
): VisitorState {
  upgradeState(state);
  state.consent = mergeConsent(state.consent, request?.consent);
  noteClickIds(state, event, at);
  noteActivity(rules, state, event, at, facts);
  recordEvent(rules, state, event, at);
  const context = buildContext(rules, state, at, request, event);
  // Products first: stages, segments, offers and audiences may all depend on what is held.
  updateProducts(rules, state, context, at, facts);
  scoreEvent(rules, state, context, event, at);
  // Stages and segments see the points this very event earned.
  update(rules, context, 'score', decayedScore(rules, state, at));
  enterStage(state, stageFor(rules, context), at);
  update(rules, context, 'stage', state.stage);
  noteMilestones(rules, state, context, event, at);
  state.segments = segmentsFor(rules, context, state.segments);
  update(rules, context, 'segments', state.segments);
  updateAudiences(rules, state, context, at);
  return state;
}
