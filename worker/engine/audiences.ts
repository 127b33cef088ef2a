// Retargeting audiences: a visitor joins when the entry condition matches (and the consent it needs
// is given), stays for `days` after the last match, and leaves for good when the exit condition
// matches (e.g. the application was submitted) or consent is withdrawn.
import type { Decision } from '../schema/decision';
import type { EvalContext } from './context';
import type { CompiledRules } from './rules';
import { ownKey, type AudienceState, type VisitorState } from './state';
import { consentGiven } from './consent';
import { audienceEventId, changedAt, memberKey } from './audience-events';
import { DAY_MS } from '../lib/time';

type CompiledAudience = CompiledRules['audiences'][number];

export function updateAudiences(rules: CompiledRules, state: VisitorState, context: EvalContext, at: number): void {
  for (const audience of rules.audiences) {
    // Conditions first, the membership only when something is to change: a visitor matches few
    // audiences, and a condition is cheaper than the lookup. Conditions have no side effects, so
    // testing them for a member who has exited for good changes nothing.
    if (audience.exits?.(context)) {
      // Non-members need no record: exit conditions describe lasting facts (submitted, converted).
      const member = ownKey(state.audiences, audience);
      if (member && !member.exited) Object.assign(member, { exited: true, left: member.left ?? at });
      continue;
    }
    if (!consentGiven(context.consent, audience.consent)) {
      const member = ownKey(state.audiences, audience);
      if (member && !member.exited && member.left === undefined) member.left = at;
      continue;
    }
    if (!audience.matches(context)) continue;
    const member = ownKey(state.audiences, audience);
    if (!member?.exited) join(state, audience, member, at);
  }
}

function join(state: VisitorState, audience: CompiledAudience, member: AudienceState | undefined, at: number): void {
  const expires = at + audience.days * DAY_MS;
  if (!member || member.left !== undefined || member.expires <= at) {
    state.audiences[audience.id] = { joined: at, expires };
  } else {
    member.expires = Math.max(member.expires, expires);
  }
}

/** Memberships valid at `now` to join (with expiry), and past members to remove, each with its change's event id. */
export function audienceDecision(
  rules: CompiledRules,
  state: VisitorState,
  context: EvalContext,
  now: number,
): Decision['audiences'] {
  const result: Decision['audiences'] = { join: [], leave: [] };
  const key = memberKey(state.vid);
  for (const audience of rules.audiences) {
    const member = ownKey(state.audiences, audience);
    if (!member) continue;
    const active = member.left === undefined && member.expires > now && consentGiven(context.consent, audience.consent);
    const action = active ? 'join' : 'leave';
    const event_id = audienceEventId(audience.id, action, key, changedAt(member, action));
    if (active) result.join.push({ id: audience.id, expires: member.expires, event_id });
    else result.leave.push({ id: audience.id, event_id });
  }
  return result;
}
