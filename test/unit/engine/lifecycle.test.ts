// Stages with their history, sticky segments, RFM counters and the request as conditions see it.
import { describe, expect, it } from 'vitest';
import { applyEvent, decide, explainProfile, newVisitor } from '../../../worker/engine';
import { compile, DAY, form, HOUR, page, T0, track } from '../helpers';

describe('stages', () => {
  const rules = compile({
    stages: [
      { id: 'applicant', when: { 'forms.mortgage-app.started': true } },
      { id: 'engaged', when: { 'counters.pages': { $gte: 2 } } },
      { id: 'anonymous' },
    ],
  });

  it('records when each stage was entered, once per change, and how long ago', () => {
    const state = newVisitor('visitor-stages', T0);
    applyEvent(rules, state, page('https://acme.example/', T0), T0);
    applyEvent(rules, state, page('https://acme.example/rates', T0 + HOUR), T0 + HOUR);
    applyEvent(rules, state, page('https://acme.example/faq', T0 + 2 * HOUR), T0 + 2 * HOUR);
    applyEvent(rules, state, form('start', 1, T0 + DAY), T0 + DAY);
    expect(state.stage_history).toEqual([
      { stage: 'anonymous', at: T0 },
      { stage: 'engaged', at: T0 + HOUR },
      { stage: 'applicant', at: T0 + DAY },
    ]);
    expect(explainProfile(rules, state, T0 + 3 * DAY)).toMatchObject({ stage: 'applicant', stage_since: T0 + DAY });
    const sinceEngaged = compile({ stages: [{ id: 'settled', when: { stage_days: { $gte: 2 } } }, { id: 'new' }] });
    const settled = newVisitor('visitor-settled', T0);
    applyEvent(sinceEngaged, settled, page('https://acme.example/', T0), T0);
    expect(decide(sinceEngaged, settled, [], T0 + 2 * DAY - 1).stage).toBe('new');
    expect(decide(sinceEngaged, settled, [], T0 + 2 * DAY).stage).toBe('settled');
  });

  it('keeps the latest 20 entries only', () => {
    const flip = compile({
      stages: [
        { id: 'odd', when: { 'counters.pages': { $in: Array.from({ length: 50 }, (_, i) => 2 * i + 1) } } },
        { id: 'even' },
      ],
    });
    const state = newVisitor('visitor-flip', T0);
    for (let i = 0; i < 30; i += 1) applyEvent(flip, state, page('https://acme.example/', T0 + i * HOUR), T0 + i * HOUR);
    expect(state.stage_history).toHaveLength(20);
    expect(state.stage_history.at(-1)).toEqual({ stage: 'even', at: T0 + 29 * HOUR });
  });
});

describe('segments', () => {
  const rules = compile({
    segments: [
      { id: 'jumbo', sticky: true, when: { 'event.name': 'calculator_used', 'event.props.loan_bucket': '800k+' } },
      { id: 'rates_reader', when: { 'request.path': '/rates' } },
      { id: 'loyal', sticky: true, when: { 'counters.pages': { $gte: 3 } } },
    ],
  });

  it('keeps a sticky segment once entered, even when only the entering event matched', () => {
    const state = newVisitor('visitor-sticky', T0);
    applyEvent(rules, state, track('calculator_used', { loan_bucket: '800k+' }, T0), T0);
    applyEvent(rules, state, page('https://acme.example/rates', T0 + 1), T0 + 1);
    expect(state.segments).toEqual(['jumbo', 'rates_reader']);
    applyEvent(rules, state, page('https://acme.example/', T0 + 2), T0 + 2);
    expect(state.segments).toEqual(['jumbo']);
    applyEvent(rules, state, page('https://acme.example/', T0 + 3), T0 + 3);
    expect(state.segments).toEqual(['jumbo', 'loyal']);
    expect(decide(rules, state, [], T0 + 400 * DAY, { url: 'https://acme.example/rates' }).segments).toEqual([
      'jumbo',
      'rates_reader',
      'loyal',
    ]);
    expect(decide(rules, state, [], T0 + 400 * DAY, { url: 'https://acme.example/' }).segments).toEqual(['jumbo', 'loyal']);
  });
});

describe('the current page of a new visitor', () => {
  const rules = compile({ segments: [{ id: 'rate_watcher', when: { 'request.path': { $regex: '/rates' } } }] });

  it('is its first page, though the profile was made a few milliseconds after that page view', () => {
    // The Durable Object makes the profile when the batch arrives, after the page view happened.
    const state = newVisitor('visitor-late-profile', T0);
    applyEvent(rules, state, page('https://acme.example/rates', T0 - 5), T0 - 5);
    expect(state.page?.path).toBe('/rates');
    expect(state.last_seen).toBe(T0 - 5);
    expect(decide(rules, state, [], T0).segments).toEqual(['rate_watcher']);
  });
});

describe('a segment on a score threshold', () => {
  const rules = compile({
    products: [{ id: 'mortgage', value: 10 }],
    scoring: {
      half_life_days: 14,
      rules: [{ id: 'buy', when: { 'event.type': 'page', 'request.path': '/buy' }, points: 5, product: 'mortgage' }],
    },
    segments: [{ id: 'buyer', when: { 'score.products.mortgage': { $gte: 5 } } }],
  });

  it('holds right after a visit worth the threshold, and lapses as the points decay', () => {
    const state = newVisitor('visitor-threshold', T0);
    applyEvent(rules, state, page('https://acme.example/buy', T0), T0);
    // A minute later the points have decayed to 4.9998: read to two decimals, that is still 5.
    const soon = decide(rules, state, [], T0 + 60_000);
    expect(soon.segments).toEqual(['buyer']);
    expect(soon.score.products.mortgage).toBe(5);
    expect(decide(rules, state, [], T0 + HOUR).segments).toEqual([]);
  });
});

describe('RFM counters', () => {
  const rules = compile({
    segments: [
      { id: 'buyer', when: { 'rfm.purchases': { $gte: 2 }, 'rfm.monetary': { $gt: 100 } } },
      { id: 'regular', when: { 'rfm.frequency': { $gte: 3 } } },
      { id: 'lapsed', when: { 'rfm.recency_days': { $gte: 30 } } },
    ],
  });

  it('counts active UTC days, purchases and their amounts, and days since the last event', () => {
    const state = newVisitor('visitor-rfm', T0);
    const midnight = Date.UTC(2026, 10, 3);
    applyEvent(rules, state, track('purchase', { amount: 80.5 }, midnight - HOUR), midnight - HOUR);
    applyEvent(rules, state, track('purchase', { amount: 20 }, midnight + HOUR), midnight + HOUR);
    applyEvent(rules, state, track('purchase', { amount: 'a lot' }, midnight + 2 * HOUR), midnight + 2 * HOUR);
    applyEvent(rules, state, page('https://acme.example/', midnight + 3 * HOUR), midnight + 3 * HOUR);
    expect(state.rfm).toMatchObject({ active_days: 2, monetary: 100.5, purchases: 2 });
    expect(state.segments).toEqual(['buyer']);
    // A late event from an earlier day adds no active day; a new day does.
    applyEvent(rules, state, page('https://acme.example/', midnight - 2 * DAY), midnight - 2 * DAY);
    applyEvent(rules, state, page('https://acme.example/', midnight + DAY), midnight + DAY);
    expect(state.rfm.active_days).toBe(3);
    expect(state.segments).toEqual(['buyer', 'regular']);
    expect(decide(rules, state, [], midnight + 31 * DAY - 1).segments).toEqual(['buyer', 'regular']);
    expect(decide(rules, state, [], midnight + 31 * DAY).segments).toEqual(['buyer', 'regular', 'lapsed']);
  });
});

describe('the request in conditions', () => {
  const rules = compile({
    segments: [
      { id: 'mobile', when: { 'request.device': 'mobile' } },
      { id: 'newsletter', when: { 'request.utm.source': 'newsletter' } },
      { id: 'office_hours', when: { 'time.hour': { $gte: 9, $lt: 17 }, 'time.weekday': { $in: [1, 2, 3, 4, 5] } } },
      { id: 'from_canada', when: { 'request.country': 'CA' } },
    ],
  });

  it('sees the device, country, UTM parameters and UTC time of the request', () => {
    const state = newVisitor('visitor-request', T0);
    applyEvent(rules, state, page('https://acme.example/?utm_source=newsletter', T0), T0, { device: 'mobile' });
    expect(state.segments).toEqual(['mobile', 'newsletter', 'office_hours']);
    // T0 is a Monday, 12:00 UTC; Saturday at noon and Monday at 17:00 are outside office hours.
    expect(decide(rules, state, [], T0 + 5 * DAY, { device: 'desktop', url: 'https://acme.example/' }).segments).toEqual([]);
    expect(
      decide(rules, state, [], T0 + 5 * HOUR - 1, { device: 'desktop', url: 'https://acme.example/', country: 'CA' }).segments,
    ).toEqual(['office_hours', 'from_canada']);
    expect(decide(rules, state, [], T0 + 5 * HOUR, { utm: { source: 'newsletter' } }).segments).toEqual(['newsletter']);
  });
});
