import { describe, expect, it } from 'vitest';
import { applyEvent, decide, newVisitor } from '../../../worker/engine';
import { compile, DAY, form, T0 } from '../helpers';

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
    expect(decide(rules, state, []).audiences).toEqual({ join: [{ id: 'abandoners', expires: T0 + 30 * DAY }], leave: [] });
    applyEvent(rules, state, form('step', 3, T0 + 5 * DAY), T0 + 5 * DAY);
    expect(decide(rules, state, []).audiences.join[0].expires).toBe(T0 + 35 * DAY);
    applyEvent(rules, state, form('submit', 4, T0 + 6 * DAY), T0 + 6 * DAY);
    expect(decide(rules, state, []).audiences).toEqual({ join: [], leave: ['abandoners'] });
    applyEvent(rules, state, form('abandon', 4, T0 + 7 * DAY), T0 + 7 * DAY);
    expect(decide(rules, state, []).audiences.join).toEqual([]);
  });

  it('expires after the membership days', () => {
    const state = newVisitor('v', T0);
    applyEvent(rules, state, form('abandon', 3), T0, { consent: { ads: true } });
    expect(decide(rules, state, [], T0 + 30 * DAY - 1).audiences.join).toHaveLength(1);
    expect(decide(rules, state, [], T0 + 30 * DAY).audiences).toEqual({ join: [], leave: ['abandoners'] });
  });

  it('needs an explicit ads consent, and leaves when it is withdrawn', () => {
    const state = newVisitor('v', T0);
    applyEvent(rules, state, form('abandon', 3), T0);
    expect(state.audiences).toEqual({});
    applyEvent(rules, state, form('abandon', 3, T0 + 1), T0 + 1, { consent: { ads: true } });
    expect(decide(rules, state, []).audiences.join).toHaveLength(1);
    expect(decide(rules, state, [], T0 + 1, { consent: { ads: false } }).audiences).toEqual({ join: [], leave: ['abandoners'] });
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
