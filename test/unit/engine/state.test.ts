import { describe, expect, it } from 'vitest';
import { applyEvent, decide, newVisitor, type VisitorState } from '../../../worker/engine';
import { compile, DAY, demoRules, form, offerEvent, page, T0, track } from '../helpers';

const rules = demoRules;

describe('visitor state', () => {
  it('upgrades a state stored by the skeleton version', () => {
    const old = {
      vid: 'visitor-old',
      first_seen: T0,
      last_seen: T0,
      counters: { events: 1, pages: 1, forms: 0, tracks: 0, offers: 0 },
    };
    const state = old as unknown as VisitorState;
    expect(decide(rules, state, ['hero']).offers).toEqual([]);
    expect(old).not.toHaveProperty('v'); // decide does not write
    applyEvent(rules, state, page('https://demo.example/rates', T0 + 1000), T0 + 1000);
    expect(state).toMatchObject({ v: 3, counters: { pages: 2 }, stage: 'engaged' });
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

  it('treats names that objects inherit, like "constructor", as ordinary keys', () => {
    const tricky = compile({
      products: [{ id: 'constructor' }],
      scoring: {
        rules: [{ id: 'constructor', when: { 'event.type': 'track' }, points: 2, product: 'constructor', max_per_day: 5 }],
      },
      offers: [{ id: 'constructor', slots: ['hero'], banner: { title: 't', placement: 'slot' } }],
      audiences: [{ id: 'constructor', when: { 'tracks.constructor': { $gte: 1 } }, days: 1 }],
    });
    const state = newVisitor('visitor-proto', T0);
    for (let i = 0; i < 3; i += 1) applyEvent(tricky, state, track('constructor', undefined, T0 + i), T0 + i);
    applyEvent(tricky, state, form('step', 3, T0 + 3), T0 + 3);
    applyEvent(
      tricky,
      state,
      { id: 'evt-proto-1', ts: T0 + 4, type: 'form', form: 'constructor', action: 'abandon', step: 2 },
      T0 + 4,
    );
    applyEvent(tricky, state, offerEvent('constructor', 'impression', T0 + 5), T0 + 5);
    const copy = JSON.parse(JSON.stringify(state)) as VisitorState;
    expect(copy.tracks).toEqual({ constructor: 3 });
    expect(copy.forms.constructor).toMatchObject({ abandoned: true, furthest: 2 });
    expect(copy.offers.constructor).toMatchObject({ impressions: 1, variants: { '-': { impressions: 1 } } });
    expect(copy.score.products.constructor).toBeCloseTo(6, 3);
    expect(copy.rule_days).toEqual({ constructor: [Math.floor(T0 / DAY), 3] });
    expect(Object.keys(copy.audiences)).toEqual(['constructor']);
    expect(Object).not.toHaveProperty('furthest');
    expect(decide(tricky, copy, ['hero'], T0 + 6).offers[0].offer).toBe('constructor');
  });
});
