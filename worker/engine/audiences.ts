// Retargeting audiences: a visitor joins when the entry condition matches (and the consent it needs
// is given), stays for `days` after the last match, and leaves for good when the exit condition
// matches (e.g. the application was submitted) or consent is withdrawn.
import type { Decision } from '../schema/decision';
import type { EvalContext } from './context';
import type { CompiledRules } from './rules';
import { own, type VisitorState } from './state';
import { consentGiven } from './consent';
import { DAY } from './time';

type CompiledAudience = CompiledRules['audiences'][number];

export function updateAudiences(rules: CompiledRules, state: VisitorState, context: EvalContext, at: number): void {
  for (const audience of rules.audiences) {
    const member = own(state.audiences, audience.id);
    if (member?.exited) continue;
    if (audience.exits?.(context)) {
      // Non-members need no record: exit conditions describe lasting facts (submitted, converted).
      if (member) Object.assign(member, { exited: true, left: member.left ?? at });
      continue;
    }
    if (!consentGiven(context.consent, audience.consent)) {
      if (member && member.left === undefined) member.left = at;
      continue;
    }
    if (!audience.matches(context)) continue;
    join(state, audience, at);
  }
}

function join(state: VisitorState, audience: CompiledAudience, at: number): void {
  const expires = at + audience.days * DAY;
  const member = own(state.audiences, audience.id);
  if (!member || member.left !== undefined || member.expires <= at) {
    state.audiences[audience.id] = { joined: at, expires };
  } else {
    member.expires = Math.max(member.expires, expires);
  }
}

/** Memberships valid at `now` to join (with expiry), and past members to remove. */
export function audienceDecision(rules: CompiledRules, state: VisitorState, context: EvalContext, now: number): Decision['audiences'] {
  const result: Decision['audiences'] = { join: [], leave: [] };
  for (const audience of rules.audiences) {
    const member = own(state.audiences, audience.id);
    if (!member) continue;
    const active = member.left === undefined && member.expires > now && consentGiven(context.consent, audience.consent);
    if (active) result.join.push({ id: audience.id, expires: member.expires });
    else result.leave.push(audience.id);
  }
  return result;
}
