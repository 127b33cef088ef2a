// Property: no rules file that the schema accepts can make the engine throw, whatever the events.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyEvent, decide, loadRules, newVisitor } from '../../../worker/engine';
import { Event } from '../../../worker/schema/events';
import { Decision } from '../../../worker/schema/decision';

const name = fc.constantFrom('hero', 'sidebar', 'mortgage', 'card', 'a', 'b', 'lead', 'customer', 'mortgage-app', 'calculator_used', 'offer-0', 'offer-1', 'constructor');
const scalar = fc.oneof(fc.integer({ min: -5, max: 50 }), fc.double({ noNaN: true }), fc.boolean(), fc.constant(null), name, fc.string({ maxLength: 5 }));
const path = fc.constantFrom(
  'counters.pages', 'score.total', 'score.products.mortgage', 'stage', 'segments', 'forms.mortgage-app.furthest',
  'forms.mortgage-app.abandoned', 'event.type', 'event.name', 'event.props.loan_bucket', 'request.path', 'tracks.calculator_used',
  'offers.offer-0.clicks', 'rfm.recency_days', 'audiences', 'time.hour', 'nope.deep.path', '__proto__', 'constructor',
);
const operatorValue = fc.oneof(
  scalar,
  fc.record({ $gte: scalar }), fc.record({ $lt: scalar }), fc.record({ $ne: scalar }),
  fc.record({ $in: fc.array(scalar, { maxLength: 3 }) }), fc.record({ $nin: fc.array(scalar, { maxLength: 3 }) }),
  fc.record({ $exists: fc.boolean() }), fc.record({ $size: fc.nat(3) }), fc.record({ $all: fc.array(scalar, { maxLength: 2 }) }),
  fc.record({ $regex: fc.constantFrom('^/r', 'a|b', '[0-9]+', '(x)?y') }), fc.record({ $type: fc.constantFrom('string', 'array', 'null') }),
  fc.record({ $elemMatch: fc.record({ $gt: scalar }) }), fc.record({ $not: fc.record({ $eq: scalar }) }),
  fc.record({ $regex: fc.constantFrom('^/R', 'mort'), $options: fc.constantFrom('i', 'su', '') }),
  fc.record({ $size: fc.record({ $gte: fc.nat(3) }) }), fc.record({ $elemMatch: fc.dictionary(path, scalar, { maxKeys: 2 }) }),
  fc.record({ $in: fc.array(fc.array(scalar, { maxLength: 2 }), { maxLength: 2 }) }),
);
/** Any number the schema allows for a bounded field, extremes included. */
const magnitude = (max: number) => fc.oneof(fc.constantFrom(Number.MIN_VALUE, max), fc.double({ min: Number.MIN_VALUE, max, noNaN: true }));
const condition: fc.Arbitrary<Record<string, unknown>> = fc.letrec<{ cond: Record<string, unknown> }>((tie) => ({
  cond: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.dictionary(path, operatorValue, { maxKeys: 3 }),
    fc.record({ $or: fc.array(tie('cond'), { maxLength: 2 }) }),
    fc.record({ $and: fc.array(tie('cond'), { maxLength: 2 }) }),
    fc.record({ $nor: fc.array(tie('cond'), { maxLength: 2 }) }),
    fc.record({ $not: tie('cond') }),
  ),
})).cond;

const banner = { title: 'T', placement: 'slot' };
const share = fc.double({ min: 0, max: 0.9, noNaN: true });
const rulesFile = fc.record({
  origins: fc.constant(['https://acme.example']),
  products: fc.constant([{ id: 'mortgage', value: 5 }, { id: 'card' }]),
  scoring: fc.record({
    half_life_days: magnitude(3650),
    rules: fc.array(fc.record({ id: fc.uuid(), when: condition, points: fc.oneof(fc.constantFrom(-10_000, 10_000), fc.integer({ min: -50, max: 50 })).filter((p) => p !== 0), max_per_day: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }) }), { maxLength: 5 }),
  }),
  stages: fc.constant([{ id: 'customer', when: { 'tracks.loan_funded': 1 } }, { id: 'lead', when: { 'score.total': { $gte: 10 } } }, { id: 'anonymous' }]),
  segments: fc.array(fc.record({ id: fc.uuid(), when: condition, sticky: fc.boolean() }), { maxLength: 3 }),
  offers: fc.array(
    fc.record({
      slots: fc.constant(['hero', 'sidebar']), when: condition, banner: fc.constant(banner),
      holdout: share, explore: fc.boolean(), propensity: fc.double({ min: 0.001, max: 0.999, noNaN: true }),
      value: magnitude(1e6), weight: magnitude(1000), prior_strength: magnitude(1e6), goal: fc.constantFrom('click', 'convert'),
      caps: fc.record({ per_day: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }), dismiss_cooldown_hours: fc.option(fc.double({ min: 0.1, max: 100, noNaN: true }), { nil: undefined }) }),
    }).map((offer) => ({ ...offer, variants: offer.holdout > 0 ? [{ id: 'a', weight: 1 - offer.holdout }] : undefined })),
    { minLength: 1, maxLength: 4 },
  ).map((offers) => offers.map((offer, i) => ({ ...offer, id: `offer-${i}` }))),
  audiences: fc.array(fc.record({ id: fc.uuid(), when: condition, days: fc.integer({ min: 1, max: 90 }), exit_when: fc.option(condition, { nil: undefined }) }), { maxLength: 2 }),
});

const T0 = Date.UTC(2026, 10, 2);
const event = fc.oneof(
  fc.record({ type: fc.constant('page'), url: fc.constantFrom('https://acme.example/rates?utm_source=g', 'https://acme.example/', 'http://x.example/a/b') }),
  fc.record({ type: fc.constant('track'), name, props: fc.option(fc.dictionary(name, fc.oneof(fc.string({ maxLength: 4 }), fc.integer())), { nil: undefined }) }),
  fc.record({ type: fc.constant('form'), form: name, action: fc.constantFrom('start', 'step', 'submit', 'abandon'), step: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }) }),
  fc.record({ type: fc.constant('offer'), offer: name, action: fc.constantFrom('impression', 'click', 'dismiss', 'convert'), variant: fc.option(name, { nil: undefined }) }),
).chain((body) => fc.record({ id: fc.constant('evt-00000001'), ts: fc.integer({ min: T0, max: T0 + 90 * 86_400_000 }) }).map((base) => ({ ...base, ...body })));

describe('engine robustness', () => {
  it('never throws for rules the schema accepts', () => {
    let exercised = 0;
    fc.assert(
      fc.property(rulesFile, fc.array(event, { maxLength: 12 }), fc.option(fc.constantFrom(true, false), { nil: undefined }), (json, events, ads) => {
        const loaded = loadRules(json, 'rules/prop.json');
        fc.pre(loaded.ok);
        if (!loaded.ok) return;
        exercised += 1;
        const state = newVisitor('visitor-prop', T0);
        for (const raw of events) {
          const parsed = Event.parse(raw);
          applyEvent(loaded.rules, state, parsed, parsed.ts, { consent: { ads }, device: 'mobile' });
          const decision = decide(loaded.rules, state, ['hero', 'sidebar'], parsed.ts + 1000);
          expect(Number.isFinite(decision.score.total)).toBe(true);
          expect(Decision.safeParse(decision).success).toBe(true);
          for (const offer of decision.offers) expect(offer.reasons.join(' ')).not.toMatch(/NaN|Infinity/);
        }
        expect(() => JSON.stringify(state)).not.toThrow();
      }),
      { numRuns: 300 },
    );
    // Generated conditions are sometimes invalid on purpose; most runs must still reach the engine.
    expect(exercised).toBeGreaterThan(150);
  }, 60_000); // 300 generated rules files × up to 12 events: seconds on a busy CI machine
});
