// Stages and segments: the stage is the first listed whose `when` matches (most advanced first);
// segments are every one that matches, sticky ones staying once entered.
import type { EvalContext } from './context';
import type { CompiledRules } from './rules';
import { LIMITS, type VisitorState } from './state';

/**
 * The first matching stage. The last one has no condition (a rules error otherwise, see
 * rules/references.ts), so only a file without stages leaves a visitor in none: ''.
 */
export function stageFor(rules: CompiledRules, context: EvalContext): string {
  for (const stage of rules.stages) if (stage.matches(context)) return stage.id;
  return '';
}

export function segmentsFor(rules: CompiledRules, context: EvalContext, previous: readonly string[]): string[] {
  const ids: string[] = [];
  for (const segment of rules.segments) {
    if ((segment.sticky && previous.includes(segment.id)) || segment.matches(context)) ids.push(segment.id);
  }
  return ids;
}

/** Moves the visitor to `stage`, recording when; the history keeps the latest entries only. */
export function enterStage(state: VisitorState, stage: string, at: number): void {
  if (stage === state.stage) return;
  state.stage = stage;
  state.stage_history.push({ stage, at });
  if (state.stage_history.length > LIMITS.stageHistory) state.stage_history.shift();
}
