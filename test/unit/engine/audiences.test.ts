import { describe, expect, it } from 'vitest';
import { applyEvent, decide, newVisitor } from '../../../worker/engine';
import { compile, DAY, form, T0 } from '../helpers';
import { audienceEventId, memberKey } from '../../../worker/engine/audience-events';
import { sha256HexSync } from '../../../worker/lib/sha256';

const joinId = (at: number, member = 'v') => audienceEventId('abandoners', 'join', member, at);
const leaveId = (at: number) => audienceEventId('abandoners', 'leave', 'v', at);

const rules = compile({
  audiences: [
    {
      id: 'abandoners',
      when: { 'forms.mortgage-app.abandoned': true },
      days: 30,
      requires_consent: 'ads',
      exit_when: { 'forms.mortgage-app.submitted': true },
    },
  ],
});

describe('audiences', () => {
  it('joins with an expiry, extends it, and leaves on conversion', () => {
    const state = newVisitor('v', T0);
    applyEvent(rules, state, form('abandon', 3), T0, { consent: { ads: true } });
    expect(decide(rules, state, []).audiences).toEqual({
      join: [{ id: 'abandoners', expires: T0 + 30 * DAY, event_id: joinId(T0) }],
      leave: [],
    });
    applyEvent(rules, state, form('step', 3, T0 + 5 * DAY), T0 + 5 * DAY);
    // An extension is the same membership: the same join, the same event id.
    expect(decide(rules, state, []).audiences.join[0]).toEqual({
      id: 'abandoners',
      expires: T0 + 35 * DAY,
      event_id: joinId(T0),
    });
    applyEvent(rules, state, form('submit', 4, T0 + 6 * DAY), T0 + 6 * DAY);
    expect(decide(rules, state, []).audiences).toEqual({
      join: [],
      leave: [{ id: 'abandoners', event_id: leaveId(T0 + 6 * DAY) }],
    });
    applyEvent(rules, state, form('abandon', 4, T0 + 7 * DAY), T0 + 7 * DAY);
    expect(decide(rules, state, []).audiences.join).toEqual([]);
  });

  it('expires after the membership days', () => {
    const state = newVisitor('v', T0);
    applyEvent(rules, state, form('abandon', 3), T0, { consent: { ads: true } });
    expect(decide(rules, state, [], T0 + 30 * DAY - 1).audiences.join).toHaveLength(1);
    expect(decide(rules, state, [], T0 + 30 * DAY).audiences).toEqual({
      join: [],
      leave: [{ id: 'abandoners', event_id: leaveId(T0 + 30 * DAY) }],
    });
  });

  it('needs an explicit ads consent, and leaves when it is withdrawn', () => {
    const state = newVisitor('v', T0);
    applyEvent(rules, state, form('abandon', 3), T0);
    expect(state.audiences).toEqual({});
    applyEvent(rules, state, form('abandon', 3, T0 + 1), T0 + 1, { consent: { ads: true } });
    expect(decide(rules, state, []).audiences.join).toHaveLength(1);
    expect(decide(rules, state, [], T0 + 1, { consent: { ads: false } }).audiences.leave.map((a) => a.id)).toEqual([
      'abandoners',
    ]);
    applyEvent(rules, state, form('step', 3, T0 + 2), T0 + 2, { consent: { ads: false } });
    expect(state.audiences.abandoners.left).toBe(T0 + 2);
  });

  it('keeps a stored consent when a request leaves that purpose unstated', () => {
    const state = newVisitor('v', T0);
    applyEvent(rules, state, form('abandon', 3), T0, { consent: { ads: true, personalization: true } });
    applyEvent(rules, state, form('abandon', 3, T0 + 1), T0 + 1, { consent: { ads: undefined, personalization: false } });
    expect(state.consent).toEqual({ ads: true, personalization: false });
    expect(decide(rules, state, [], T0 + 1, { consent: { ads: undefined } }).audiences.join).toHaveLength(1);
  });
});

describe('audience event ids', () => {
  it('are the first 32 hex characters of SHA-256 of audience|action|member|time', () => {
    expect(audienceEventId('abandoners', 'join', 'v', T0)).toBe(sha256HexSync(`abandoners|join|v|${T0}`).slice(0, 32));
    expect(audienceEventId('abandoners', 'join', 'v', T0)).toMatch(/^[0-9a-f]{32}$/);
  });

  it('stay the same for each change however many other changes were named between (the ids kept are dropped when full)', () => {
    const times = Array.from({ length: 3000 }, (_, i) => T0 + i);
    for (const at of times) audienceEventId('abandoners', 'leave', 'v', at);
    for (const at of [times[0], times[1500], times[2999]])
      expect(audienceEventId('abandoners', 'leave', 'v', at)).toBe(sha256HexSync(`abandoners|leave|v|${at}`).slice(0, 32));
  });

  it('count a person once by user id, an anonymous visitor by visitor id', () => {
    expect(memberKey(`uid:${'a'.repeat(64)}`)).toBe('a'.repeat(64));
    expect(memberKey('vid_browser1')).toBe('vid_browser1');
  });

  it('differ between a join and a leave, members and times, and are stable across decisions', () => {
    const state = newVisitor(`uid:${'b'.repeat(64)}`, T0);
    applyEvent(rules, state, form('abandon', 3), T0, { consent: { ads: true } });
    const [join] = decide(rules, state, [], T0 + DAY).audiences.join;
    expect(join.event_id).toBe(joinId(T0, 'b'.repeat(64)));
    expect(decide(rules, state, [], T0 + 2 * DAY).audiences.join[0].event_id).toBe(join.event_id);
    const ids = new Set([joinId(T0), joinId(T0 + 1), leaveId(T0), joinId(T0, 'w')]);
    expect(ids.size).toBe(4);
  });
});
