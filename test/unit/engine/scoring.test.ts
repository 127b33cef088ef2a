import { describe, expect, it } from 'vitest';
import { applyEvent, decide, explainProfile, newVisitor } from '../../../worker/engine';
import { addPoints, pruneReasons } from '../../../worker/engine/scoring';
import { decayFactor } from '../../../worker/engine/decay';
import type { ScoreState } from '../../../worker/engine/state';
import { compile, DAY, HOUR, page, T0, track } from '../helpers';

const rules = compile({
  products: [{ id: 'mortgage' }],
  scoring: {
    half_life_days: 7,
    rules: [
      { id: 'rates', when: { 'event.type': 'page', 'request.path': '/rates' }, points: 8, product: 'mortgage', max_per_day: 2 },
      { id: 'calc', when: { 'event.type': 'track', 'event.name': 'calculator_used' }, points: 10, reason: 'used the calculator' },
      {
        id: 'jumbo',
        when: { 'event.type': 'track', 'event.name': 'calculator_used', 'event.props.loan_bucket': '800k+' },
        points: 5,
      },
    ],
  },
});

const fresh = (): ScoreState => ({ as_of: T0, total: 0, products: {}, reasons: {} });

describe('decay', () => {
  // score(t) = Σ points · 2^(−Δt / half_life), against closed-form values.
  it.each([
    ['no time passed', 0, 10],
    ['one half-life', 7, 5],
    ['two half-lives', 14, 2.5],
    ['half a half-life', 3.5, 10 / Math.SQRT2],
    ['ten half-lives', 70, 10 / 1024],
  ])('%s', (_name, days, expected) => {
    const state = newVisitor('v', T0);
    applyEvent(rules, state, track('calculator_used', undefined, T0), T0);
    expect(decide(rules, state, [], T0 + days * DAY).score.total).toBeCloseTo(Math.round(expected * 10) / 10, 5);
  });

  /** Relative error: decay values span many orders of magnitude, so digits count, not distance. */
  const relative = (actual: number, expected: number) => Math.abs(actual - expected) / Math.abs(expected);

  it.each([
    // [elapsed days, half-life days]: against 2^(−Δt / half_life) in closed form, to 12 digits.
    [0, 14],
    [1, 14],
    [7, 14],
    [14, 14],
    [28, 14],
    [3.5, 7],
    [365, 14],
    [0.001, 3650],
    [1 / 86_400_000, 1],
    [100, 0.5],
  ])('decayFactor after %d days with a half-life of %d days', (days, halfLife) => {
    expect(relative(decayFactor(days * DAY, halfLife), 2 ** (-days / halfLife))).toBeLessThan(1e-12);
  });

  it('sums several contributions at different times, in any arrival order, as the closed form does', () => {
    const halfLife = 14;
    const contributions: Array<[points: number, day: number]> = [
      [10, 0],
      [-3, 2.25],
      [7, 5],
      [40, 5],
      [1, 19.5],
      [12, 3],
      [-2, 30],
    ];
    const closedForm = (at: number) =>
      contributions.reduce((sum, [points, day]) => sum + points * 2 ** (-(at - day) / halfLife), 0);
    for (const order of [contributions, [...contributions].reverse()]) {
      const score = fresh();
      for (const [points, day] of order) addPoints(score, `r${day}`, 'mortgage', points, T0 + day * DAY, halfLife);
      const asOf = (score.as_of - T0) / DAY;
      expect(asOf).toBe(30);
      expect(relative(score.total, closedForm(asOf))).toBeLessThan(1e-12);
      expect(relative(score.products.mortgage, closedForm(asOf))).toBeLessThan(1e-12);
      expect(relative(score.reasons.r5, 47 * 2 ** (-25 / halfLife))).toBeLessThan(1e-12);
    }
  });

  it('sums contributions at different times', () => {
    const score = fresh();
    addPoints(score, 'a', undefined, 10, T0, 7);
    addPoints(score, 'b', 'mortgage', 4, T0 + 7 * DAY, 7);
    expect(score.total).toBeCloseTo(10 / 2 + 4, 12);
    expect(score.products.mortgage).toBeCloseTo(4, 12);
    expect(score.as_of).toBe(T0 + 7 * DAY);
  });

  it('adds a late (older) event already decayed, without moving as_of back', () => {
    const score = fresh();
    addPoints(score, 'a', undefined, 10, T0 + 14 * DAY, 7);
    addPoints(score, 'b', undefined, 8, T0, 7);
    expect(score.total).toBeCloseTo(10 + 8 / 4, 12);
    expect(score.as_of).toBe(T0 + 14 * DAY);
  });

  it('keeps only the largest reasons', () => {
    const score = fresh();
    for (let i = 1; i <= 16; i += 1) addPoints(score, `rule-${i}`, undefined, i, T0, 7);
    pruneReasons(score);
    expect(Object.keys(score.reasons)).toHaveLength(16);
    addPoints(score, 'rule-17', undefined, 17, T0, 7);
    pruneReasons(score);
    expect(Object.keys(score.reasons).sort()).toEqual([
      'rule-10',
      'rule-11',
      'rule-12',
      'rule-13',
      'rule-14',
      'rule-15',
      'rule-16',
      'rule-17',
    ]);
  });
});

describe('scoring rules', () => {
  it('applies matching rules, per product, with reasons', () => {
    const state = newVisitor('v', T0);
    applyEvent(rules, state, track('calculator_used', { loan_bucket: '800k+' }), T0);
    applyEvent(rules, state, page('https://acme.example/rates?utm_source=x'), T0);
    expect(state.score).toMatchObject({ total: 23, products: { mortgage: 8 }, reasons: { calc: 10, jumbo: 5, rates: 8 } });
  });

  it('caps a rule per UTC day and resets at midnight', () => {
    const state = newVisitor('v', T0);
    const midnight = Date.UTC(2026, 10, 3);
    for (const at of [midnight - 3 * HOUR, midnight - 2 * HOUR, midnight - 1])
      applyEvent(rules, state, page('https://acme.example/rates', at), at);
    const day = Math.floor(midnight / DAY);
    expect(state.rule_days.rates).toEqual([day - 1, 2]);
    expect(state.score.reasons.rates).toBeCloseTo(8 * 2 ** (-1 / (7 * 24)) + 8, 6); // as of the second award;
    applyEvent(rules, state, page('https://acme.example/rates', midnight), midnight);
    expect(state.rule_days.rates).toEqual([day, 1]);
  });

  it('does not count a late event from yesterday against today', () => {
    const state = newVisitor('v', T0);
    const midnight = Date.UTC(2026, 10, 3);
    applyEvent(rules, state, page('https://acme.example/rates', midnight + HOUR), midnight + HOUR);
    applyEvent(rules, state, page('https://acme.example/rates', midnight - HOUR), midnight - HOUR);
    applyEvent(rules, state, page('https://acme.example/rates', midnight + 2 * HOUR), midnight + 2 * HOUR);
    expect(state.rule_days.rates).toEqual([Math.floor(midnight / DAY), 2]);
  });

  it('keeps score state bounded however many events arrive', () => {
    const state = newVisitor('v', T0);
    for (let i = 0; i < 3000; i += 1) applyEvent(rules, state, track(`custom_${i}`, undefined, T0 + i * 1000), T0 + i * 1000);
    expect(JSON.stringify(state).length).toBeLessThan(4000);
    expect(state.counters.tracks).toBe(3000);
  });
});

describe('explainProfile', () => {
  it('reads the score at a given time, with reasons', () => {
    const state = newVisitor('v', T0);
    applyEvent(rules, state, track('calculator_used', undefined, T0), T0);
    applyEvent(rules, state, page('https://acme.example/rates', T0), T0);
    expect(explainProfile(rules, state, T0 + 7 * DAY)).toEqual({
      score: { total: 9, products: { mortgage: 4 }, reasons: ['used the calculator +5', 'rates +4'] },
      stage: '',
      stage_since: null,
      segments: [],
      audiences: [],
    });
  });
});
