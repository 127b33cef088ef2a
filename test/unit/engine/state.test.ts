import { describe, expect, it } from 'vitest';
import { applyEvent, decide, newVisitor, type VisitorState } from '../../../worker/engine';
import { sites } from '../../../rules/sites';
import { DAY, form, page, T0, track } from '../helpers';

const rules = sites.get('demo')!;

describe('visitor state', () => {
  it('upgrades a state stored by the skeleton version', () => {
    const old = { vid: 'visitor-old', first_seen: T0, last_seen: T0, counters: { events: 1, pages: 1, forms: 0, tracks: 0, offers: 0 } };
    const state = old as unknown as VisitorState;
    expect(decide(rules, state, ['hero']).offers).toEqual([]);
    expect(old).not.toHaveProperty('v'); // decide does not write
    applyEvent(rules, state, page('https://demo.example/rates', T0 + 1000), T0 + 1000);
    expect(state).toMatchObject({ v: 2, counters: { pages: 2 }, stage: 'engaged' });
    expect(decide(rules, state, ['hero']).offers[0].offer).toBe('welcome-back');
  });

  it('survives a JSON round trip with identical decisions', () => {
    const state = newVisitor('visitor-json', T0);
    applyEvent(rules, state, page('https://demo.example/rates?utm_medium=cpc', T0), T0, { consent: { ads: true } });
    applyEvent(rules, state, track('calculator_used', { loan_bucket: '800k+' }, T0 + 1), T0 + 1);
    applyEvent(rules, state, form('abandon', 3, T0 + 2), T0 + 2);
    const copy = JSON.parse(JSON.stringify(state)) as VisitorState;
    for (const now of [T0 + 3, T0 + 3 * DAY, T0 + 90 * DAY]) {
      expect(decide(rules, copy, ['hero', 'sidebar'], now)).toEqual(decide(rules, state, ['hero', 'sidebar'], now));
    }
    expect(copy.segments).toContain('jumbo_shopper');
  });

  it('moves to dormant with time alone, without an event', () => {
    const state = newVisitor('visitor-dormant', T0);
    applyEvent(rules, state, page('https://demo.example/', T0), T0);
    expect(decide(rules, state, [], T0 + 59 * DAY).stage).toBe('anonymous');
    expect(decide(rules, state, [], T0 + 60 * DAY).stage).toBe('dormant');
  });
});
