import { describe, expect, it } from 'vitest';
import { applyEvent, newVisitor, noFacts, type EventFacts } from '../../../worker/engine';
import { compile, DAY, demoRules, form, offerEvent, page, T0, track } from '../helpers';

const demo = demoRules;

describe('after the sale', () => {
  it('takes a product on its taken_when, holds it for conditions, and closes it on closed_when', () => {
    const state = newVisitor('v-products', T0);
    applyEvent(demo, state, track('loan_funded', { product: 'mortgage' }, T0), T0);
    expect(state.customer.products).toEqual({ mortgage: { taken: T0 } });
    expect(state.stage).toBe('customer');
    expect(state.customer.entered.customer).toBe(T0);
    applyEvent(demo, state, track('account_opened', { product: 'card' }, T0 + DAY), T0 + DAY);
    const rules = compile({
      products: [
        { id: 'mortgage', taken_when: { 'event.name': 'funded' }, closed_when: { 'event.name': 'closed' } },
        { id: 'card', taken_when: { 'event.name': 'card' } },
      ],
      segments: [
        { id: 'two', when: { 'products.count': { $gte: 2 } } },
        { id: 'mortgage_holder', when: { 'products.held': 'mortgage' } },
      ],
    });
    const person = newVisitor('v-held', T0);
    applyEvent(rules, person, track('funded', undefined, T0), T0);
    applyEvent(rules, person, track('card', undefined, T0 + 1), T0 + 1);
    expect(person.segments).toEqual(['two', 'mortgage_holder']);
    applyEvent(rules, person, track('closed', undefined, T0 + 2), T0 + 2);
    expect(person.customer.products.mortgage).toEqual({ taken: T0, closed: T0 + 2 });
    expect(person.segments).toEqual([]);
  });

  it('converts the offers for a product taken that the person saw, in the arm they saw, once', () => {
    const state = newVisitor('v-convert', T0);
    applyEvent(demo, state, offerEvent('finish-app', 'impression', T0, 'b'), T0);
    const facts: EventFacts = noFacts();
    applyEvent(demo, state, track('loan_funded', { product: 'mortgage' }, T0 + 1), T0 + 1, undefined, facts);
    expect(facts.converts).toEqual([{ offer: 'finish-app', variant: 'b' }]);
    expect(state.offers['finish-app']).toMatchObject({ converts: 1, last_convert: T0 + 1, variants: { b: { converts: 1 } } });
    // welcome-back (also for mortgages) was never shown: no conversion of it.
    expect(state.offers['welcome-back']).toBeUndefined();
    const again = noFacts();
    applyEvent(demo, state, track('loan_funded', { product: 'mortgage' }, T0 + 2), T0 + 2, undefined, again);
    expect(again.converts).toEqual([]);
  });

  it('activates a customer on lifecycle.activated_when, and not a visitor who is no customer', () => {
    const visitor = newVisitor('v-not-customer', T0);
    applyEvent(demo, visitor, track('first_payment', undefined, T0), T0);
    expect(visitor.customer.activated_at).toBeUndefined();
    applyEvent(demo, visitor, track('loan_funded', { product: 'mortgage' }, T0 + DAY), T0 + DAY);
    applyEvent(demo, visitor, track('card_activated', undefined, T0 + 3 * DAY), T0 + 3 * DAY);
    expect(visitor.customer.activated_at).toBe(T0 + 3 * DAY);
  });

  it('keeps the first referral code of a page URL, ignoring one that is no id', () => {
    const state = newVisitor('v-ref', T0);
    applyEvent(demo, state, page('https://demo.example/?ref=<script>', T0), T0);
    expect(state.customer.referrer).toBeUndefined();
    applyEvent(demo, state, page('https://demo.example/?utm_source=x&ref=u_123', T0 + 1), T0 + 1);
    applyEvent(demo, state, page('https://demo.example/?ref=other', T0 + 2), T0 + 2);
    expect(state.customer.referrer).toEqual({ code: 'u_123', at: T0 + 1 });
  });

  it('wins back a customer silent past dormant_days, crediting the offer shown meanwhile; an impression is no activity', () => {
    const state = newVisitor('v-winback', T0);
    applyEvent(demo, state, track('loan_funded', { product: 'mortgage' }, T0), T0);
    const later = T0 + 91 * DAY;
    const quiet = noFacts();
    applyEvent(demo, state, offerEvent('card-cross-sell', 'impression', later - DAY), later - DAY, undefined, quiet);
    expect(quiet.winback).toBeUndefined();
    const back = noFacts();
    applyEvent(demo, state, page('https://demo.example/', later), later, undefined, back);
    expect(back.winback).toEqual({ offer: 'card-cross-sell' });
    const soon = noFacts();
    applyEvent(demo, state, page('https://demo.example/', later + DAY), later + DAY, undefined, soon);
    expect(soon.winback).toBeUndefined();
    // Silent as long before becoming a customer: no win-back.
    const prospect = newVisitor('v-prospect', T0);
    applyEvent(demo, prospect, page('https://demo.example/', T0), T0);
    const funded = noFacts();
    applyEvent(demo, prospect, track('loan_funded', { product: 'mortgage' }, T0 + 200 * DAY), T0 + 200 * DAY, undefined, funded);
    expect(funded.winback).toBeUndefined();
  });
});
