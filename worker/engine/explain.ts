// The profile as a person reads it: score decayed to now with its top reasons, stage since when,
// segments and audiences. What GET /v1/profile can show next to the raw state.
import { activeAudiences, decayedScore } from './context';
import type { CompiledRules } from './rules';
import { round1, scoreReasons } from './scoring';
import { STATE_VERSION, upgradeState, type VisitorState } from './state';

export interface ProfileSummary {
  score: { total: number; products: Record<string, number>; reasons: string[] };
  stage: string;
  stage_since: number | null;
  segments: string[];
  audiences: string[];
}

export function explainProfile(rules: CompiledRules, stored: VisitorState, now: number): ProfileSummary {
  const state = stored.v === STATE_VERSION ? stored : upgradeState(structuredClone(stored));
  const score = decayedScore(rules, state, now);
  const products: Record<string, number> = {};
  for (const id in score.products) products[id] = round1(score.products[id]);
  return {
    score: { total: round1(score.total), products, reasons: scoreReasons(rules, state.score, now) },
    stage: state.stage,
    stage_since: state.stage_history.at(-1)?.at ?? null,
    segments: state.segments,
    audiences: activeAudiences(state, now),
  };
}
