import { describe, expect, it } from 'vitest';
import { applyEvent, decide, newVisitor, type VisitorState } from '../../../worker/engine';
import { banner, compile, DAY, HOUR, offer, offerEvent, page, T0 } from '../helpers';

function visitor(rules = compile({}), vid = 'visitor-0001'): VisitorState {
  const state = newVisitor(vid, T0);
  applyEvent(rules, state, page('https://acme.example/'), T0);
  return state;
}

describe('arbitration', () => {
  const rules = compile({
    offers: [
      offer('low', { propensity: 0.05, value: 1 }),
      offer('high', { propensity: 0.1, value: 3, weight: 2 }),
      offer('never', { when: { 'counters.pages': { $gte: 5 } } }),
      offer('side', { slots: ['sidebar', 'hero'], propensity: 0.2, value: 1 }),
    ],
  });

  it('ranks by propensity × value × weight and explains the ranking', () => {
    const [hero] = decide(rules, visitor(rules), ['hero']).offers;
    expect(hero).toMatchObject({ slot: 'hero', offer: 'high', holdout: false, banner: { title: 'high' } });
    expect(hero.reasons).toEqual([
      'eligible for high',
      'priority 0.6 = propensity 0.1 × value 3 × weight 2',
      'outranked side (0.2)',
      'outranked low (0.05)',
    ]);
  });

  it('fills each slot once and never shows an offer twice on a page', () => {
    const offers = decide(rules, visitor(rules), ['hero', 'sidebar', 'hero', 'footer']).offers;
    expect(offers.map((o) => [o.slot, o.offer])).toEqual([
      ['hero', 'high'],
      ['sidebar', 'side'],
    ]);
  });

  it('breaks ties by file order and says so', () => {
    const tied = compile({ offers: [offer('first'), offer('second')] });
    const [hero] = decide(tied, visitor(tied), ['hero']).offers;
    expect(hero.offer).toBe('first');
    expect(hero.reasons).toContain('outranked second (0.05, tie broken by file order)');
  });

  it('learns from clicks: the posterior mean moves the ranking', () => {
    const learn = compile({
      offers: [offer('a', { propensity: 0.1, goal: 'click' }), offer('b', { propensity: 0.1, goal: 'click' })],
    });
    const state = visitor(learn);
    for (let i = 0; i < 3; i += 1) {
      applyEvent(learn, state, offerEvent('b', 'impression', T0 + i), T0 + i);
      applyEvent(learn, state, offerEvent('b', 'click', T0 + i), T0 + i);
    }
    const [hero] = decide(learn, state, ['hero']).offers;
    // Beta(0.1·20 + 3, 0.9·20 + 0) → 5 / 23.
    expect(hero.offer).toBe('b');
    expect(hero.reasons).toContain('priority 0.217 = propensity 0.217 × value 1 × weight 1');
  });

  it('learns from every visitor: observed rates move the ranking and are named in the reasons', () => {
    const learn = compile({
      offers: [offer('a', { propensity: 0.1, goal: 'click' }), offer('b', { propensity: 0.1, goal: 'click' })],
    });
    const state = visitor(learn);
    // Without observations both sit at the base rate and file order decides.
    expect(decide(learn, state, ['hero']).offers[0].offer).toBe('a');
    const observed = {
      a: { '-': { impressions: 1000, clicks: 20, converts: 0 } },
      b: { '-': { impressions: 1000, clicks: 80, converts: 0 } },
    };
    const [hero] = decide(learn, state, ['hero'], T0, undefined, observed).offers;
    // Across visitors: Beta(0.1·20 + 80, 0.9·20 + 920) → 82 / 1020.
    expect(hero.offer).toBe('b');
    expect(hero.reasons).toContain('priority 0.08 = propensity 0.08 × value 1 × weight 1');
    expect(hero.reasons).toContain('click rate 0.08 across visitors (80 of 1000 visitors shown it, base 0.1)');
    expect(hero.reasons).toContain('outranked a (0.022)');
  });

  it('public reasons choose the same offer and keep the rules and the visitor, not the figures from other visitors', () => {
    const learn = compile({
      offers: [offer('a', { propensity: 0.1, goal: 'click' }), offer('b', { propensity: 0.1, goal: 'click' })],
    });
    const state = visitor(learn);
    const observed = {
      a: { '-': { impressions: 1000, clicks: 20, converts: 0 } },
      b: { '-': { impressions: 1000, clicks: 80, converts: 0 } },
    };
    const full = decide(learn, state, ['hero'], T0, undefined, observed);
    const shown = decide(learn, state, ['hero'], T0, undefined, observed, 'public');
    expect(shown.offers[0].offer).toBe(full.offers[0].offer);
    expect(shown.offers[0].reasons).toEqual(['eligible for b', 'outranked a']);
  });

  it('a visitor who keeps ignoring an offer sees it fall below the rate others give it', () => {
    const rules = compile({
      offers: [offer('ignored', { propensity: 0.1, goal: 'click' }), offer('other', { propensity: 0.05, goal: 'click' })],
    });
    const state = visitor(rules);
    const observed = { ignored: { '-': { impressions: 500, clicks: 50, converts: 0 } } };
    expect(decide(rules, state, ['hero'], T0, undefined, observed).offers[0].offer).toBe('ignored');
    for (let i = 1; i <= 30; i += 1) applyEvent(rules, state, offerEvent('ignored', 'impression', T0 + i), T0 + i);
    // The population rate, 52 / 520, is this visitor's prior worth 20 observations: 30 misses → 2 / 50.
    const [hero] = decide(rules, state, ['hero'], T0 + 60, undefined, observed).offers;
    expect(hero.offer).toBe('other');
    expect(hero.reasons).toContain('outranked ignored (0.04)');
  });

  it('Thompson sampling is deterministic per visitor, offer and day', () => {
    const explore = compile({ offers: [offer('a', { explore: true }), offer('b', { explore: true })] });
    const state = visitor(explore);
    const first = decide(explore, state, ['hero'], T0 + HOUR);
    expect(decide(explore, state, ['hero'], T0 + 2 * HOUR)).toEqual(first);
    expect(first.offers[0].reasons[1]).toMatch(/^priority [\d.]+ = sampled propensity/);
    const picks = new Set(Array.from({ length: 40 }, (_, i) => decide(explore, state, ['hero'], T0 + i * DAY).offers[0].offer));
    expect(picks).toEqual(new Set(['a', 'b']));
  });

  it('uses the product value when the offer has none', () => {
    const valued = compile({ products: [{ id: 'mortgage', value: 10 }], offers: [offer('m', { product: 'mortgage' })] });
    expect(decide(valued, visitor(valued), ['hero']).offers[0].reasons).toContain(
      'priority 0.5 = propensity 0.05 × value 10 × weight 1',
    );
  });
});

describe('experiments', () => {
  const rules = compile({
    offers: [
      offer('exp', {
        goal: 'click',
        holdout: 0.5,
        variants: [
          { id: 'a', weight: 0.25 },
          { id: 'b', weight: 0.25, banner: { title: 'B title' } },
        ],
      }),
    ],
  });

  it('gives holdout visitors no banner but records them', () => {
    const decisions = Array.from({ length: 200 }, (_, i) => decide(rules, visitor(rules, `visitor-${i}`), ['hero']).offers[0]);
    const holdout = decisions.filter((d) => d.holdout);
    expect(holdout.length).toBeGreaterThan(70);
    expect(holdout.every((d) => d.banner === undefined && d.variant === undefined)).toBe(true);
    expect(holdout[0].reasons.at(-1)).toMatch(/^holdout \(bucket 0\.\d+ < 0\.5\): recorded, not shown$/);
    const b = decisions.find((d) => d.variant === 'b')!;
    expect(b.banner).toEqual({ title: 'B title', placement: 'slot' });
  });

  it('ranks held-out visitors on the rate of all variants together, as if shown', () => {
    const observed = {
      exp: {
        a: { impressions: 300, clicks: 30, converts: 0 },
        b: { impressions: 100, clicks: 30, converts: 0 },
        holdout: { impressions: 0, clicks: 0, converts: 0 },
      },
    };
    const held = Array.from({ length: 20 }, (_, i) => visitor(rules, `visitor-${i}`))
      .map((state) => decide(rules, state, ['hero'], T0, undefined, observed).offers[0])
      .find((d) => d.holdout)!;
    // Beta(0.05·20 + 60, 0.95·20 + 340) over a and b pooled: 61 / 420.
    expect(held.reasons).toContain('click rate 0.145 across visitors (60 of 400 visitors shown it, base 0.05)');
  });
});

describe('caps and cooldowns', () => {
  const midnight = Date.UTC(2026, 10, 3);
  const rules = compile({
    offers: [
      offer('capped', { caps: { per_day: 2, total: 3, dismiss_cooldown_hours: 24 } }),
      offer('fallback', { propensity: 0.01 }),
    ],
  });
  const show = (state: VisitorState, at: number) => applyEvent(rules, state, offerEvent('capped', 'impression', at), at);

  it('caps impressions per UTC day, resetting at midnight', () => {
    const state = visitor(rules);
    show(state, midnight - 2 * HOUR);
    show(state, midnight - 1);
    const late = decide(rules, state, ['hero'], midnight - 1).offers[0];
    expect(late.offer).toBe('fallback');
    expect(late.reasons).toContain('skipped capped: capped: 2 of 2 impressions today (UTC)');
    expect(decide(rules, state, ['hero'], midnight).offers[0].offer).toBe('capped');
  });

  it('does not count a late impression from yesterday against today', () => {
    const state = visitor(rules);
    show(state, midnight + HOUR);
    show(state, midnight - HOUR); // sent before midnight, arrived after the one of today
    expect(state.offers.capped).toMatchObject({ impressions: 2, day: Math.floor(midnight / DAY), day_impressions: 1 });
    expect(decide(rules, state, ['hero'], midnight + 2 * HOUR).offers[0].offer).toBe('capped');
    show(state, midnight + 2 * HOUR);
    expect(decide(rules, state, ['hero'], midnight + 3 * HOUR).offers[0].offer).toBe('fallback');
  });

  it('caps impressions in total', () => {
    const state = visitor(rules);
    show(state, midnight - HOUR);
    show(state, midnight + HOUR);
    show(state, midnight + DAY + HOUR);
    expect(decide(rules, state, ['hero'], midnight + 5 * DAY).offers[0].reasons).toContain(
      'skipped capped: capped: 3 of 3 impressions in total',
    );
  });

  it('cools down for exactly the hours given after a dismiss', () => {
    const state = visitor(rules);
    const at = midnight - HOUR;
    applyEvent(rules, state, offerEvent('capped', 'dismiss', at), at);
    expect(decide(rules, state, ['hero'], at + 24 * HOUR - 1).offers[0].reasons).toContain(
      'skipped capped: cooling down: dismissed 23h ago (cooldown 24h)',
    );
    expect(decide(rules, state, ['hero'], at + 24 * HOUR).offers[0].offer).toBe('capped');
  });

  it('suppresses an offer once converted, unless told not to', () => {
    const state = visitor(rules);
    applyEvent(rules, state, offerEvent('capped', 'convert', T0), T0);
    expect(decide(rules, state, ['hero']).offers[0].reasons).toContain('skipped capped: already converted');
    const again = compile({ offers: [offer('capped', { suppress_after_convert: false })] });
    const other = visitor(again);
    applyEvent(again, other, offerEvent('capped', 'convert', T0), T0);
    expect(decide(again, other, ['hero']).offers[0].offer).toBe('capped');
  });

  it('ignores interactions with offers that are not in the rules', () => {
    const state = visitor(rules);
    applyEvent(rules, state, offerEvent('made-up', 'click'), T0);
    expect(state.offers).toEqual({});
    expect(state.counters.offers).toBe(1);
  });
});

describe('eligibility', () => {
  const rules = compile({
    stages: [{ id: 'engaged', when: { 'counters.pages': { $gte: 2 } } }, { id: 'anonymous' }],
    segments: [{ id: 'rates', when: { 'request.path': '/rates' } }],
    offers: [
      offer('for-engaged', { stages: ['engaged'] }),
      offer('for-rates', { segments: ['rates'], slots: ['sidebar'] }),
      offer('ads-only', { requires_consent: 'ads', slots: ['footer'] }),
      offer('not-on-apply', { slots: ['top'], unless: { 'request.path': '/apply' } }),
    ],
  });

  it('checks stages, segments, consent and exclusions', () => {
    const state = visitor(rules);
    expect(decide(rules, state, ['hero', 'sidebar', 'footer', 'top']).offers.map((o) => o.offer)).toEqual(['not-on-apply']);
    applyEvent(rules, state, page('https://acme.example/rates'), T0 + 1, { consent: { ads: true } });
    const decision = decide(rules, state, ['hero', 'sidebar', 'footer', 'top']);
    expect(decision.offers.map((o) => o.offer)).toEqual(['for-engaged', 'for-rates', 'ads-only', 'not-on-apply']);
    expect(decision.offers[1].reasons.slice(0, 2)).toEqual(['stage=engaged', 'segment=rates']);
    expect(decide(rules, state, ['top'], T0 + 1, { url: 'https://acme.example/apply' }).offers).toEqual([]);
  });

  it('shows nothing when personalization consent is refused', () => {
    const state = visitor(rules);
    expect(decide(rules, state, ['top'], T0, { consent: { personalization: false } }).offers).toEqual([]);
  });
});
