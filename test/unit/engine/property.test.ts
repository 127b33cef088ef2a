// Properties: loading never throws, whatever the JSON; and no rules file that the schema and the
// checks accept can make the engine throw, whatever the events and requests.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyEvent, decide, loadRules, newVisitor, type RequestContext } from '../../../worker/engine';
import { Event } from '../../../worker/schema/events';
import { Decision } from '../../../worker/schema/decision';

const SEGMENTS = ['vip', 'jumbo', 'mobile'];
const name = fc.constantFrom(
  'hero',
  'sidebar',
  'mortgage',
  'card',
  'a',
  'b',
  'lead',
  'customer',
  'mortgage-app',
  'calculator_used',
  'offer-0',
  'offer-1',
  'constructor',
  ...SEGMENTS,
);
const scalar = fc.oneof(
  fc.integer({ min: -5, max: 50 }),
  fc.double({ noNaN: true }),
  fc.boolean(),
  fc.constant(null),
  name,
  fc.string({ maxLength: 5 }),
);
/** Paths every condition may read; `event.*` only where an event is applied (see rules/references.ts). */
const CONTEXT_PATHS = [
  'counters.pages',
  'score.total',
  'score.products.mortgage',
  'stage',
  'segments',
  'forms.mortgage-app.furthest',
  'forms.mortgage-app.abandoned',
  'request.path',
  'request.utm.source',
  'request.device',
  'tracks.calculator_used',
  'offers.offer-0.clicks',
  'rfm.recency_days',
  'rfm.monetary',
  'audiences',
  'time.hour',
  'identified',
  'nope.deep.path',
  '__proto__',
  'constructor',
];
const EVENT_PATHS = ['event.type', 'event.name', 'event.props.loan_bucket', 'event.action'];

/** A $not chain this deep: past the limit it must be a rules error, never a stack overflow. */
const chain = (depth: number, inner: Record<string, unknown>) => {
  let condition = inner;
  for (let i = 1; i < depth; i += 1) condition = { $not: condition };
  return condition;
};

/**
 * Conditions over `paths`. With `broken`, also what the checks refuse (unsafe regexes, unknown
 * types, nesting past the limit, thousands deep) and any JSON: loading must say so, not throw.
 */
function conditions(paths: string[], broken = false): fc.Arbitrary<Record<string, unknown>> {
  const path = fc.constantFrom(...paths);
  const valid = [
    scalar,
    fc.record({ $gte: scalar }),
    fc.record({ $lt: scalar }),
    fc.record({ $ne: scalar }),
    fc.record({ $in: fc.array(scalar, { maxLength: 3 }) }),
    fc.record({ $nin: fc.array(scalar, { maxLength: 3 }) }),
    fc.record({ $exists: fc.boolean() }),
    fc.record({ $size: fc.nat(3) }),
    fc.record({ $all: fc.array(scalar, { maxLength: 2 }) }),
    fc.record({ $regex: fc.constantFrom('^/r', 'a|b', '[0-9]+', '(x)?y', '\\d+\\.\\d+\\.\\d+', '(a|b){3}') }),
    fc.record({ $type: fc.constantFrom('string', 'array', 'null') }),
    fc.record({ $elemMatch: fc.record({ $gt: scalar }) }),
    fc.record({ $not: fc.record({ $eq: scalar }) }),
    fc.record({ $regex: fc.constantFrom('^/R', 'mort'), $options: fc.constantFrom('i', 'su', '') }),
    fc.record({ $size: fc.record({ $gte: fc.nat(3) }) }),
    fc.record({ $elemMatch: fc.dictionary(path, scalar, { maxKeys: 2 }) }),
    fc.record({ $in: fc.array(fc.array(scalar, { maxLength: 2 }), { maxLength: 2 }) }),
  ];
  const refused = [
    fc.record({ $regex: fc.constantFrom('(a+){3}', '.*.*.*=', '(a|aa){9}', '(') }),
    fc.record({ $type: fc.constant('date') }),
    fc.record({ $size: scalar }),
    fc.record({ $bogus: scalar }),
    fc.jsonValue({ maxDepth: 3 }),
  ];
  const leaf = fc.dictionary(path, fc.oneof(...valid, ...(broken ? refused : [])), { maxKeys: 3 });
  const [shallowest, deepest] = broken ? [20, 3000] : [2, 30];
  return fc.letrec<{ cond: Record<string, unknown> }>((tie) => ({
    cond: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.record({ $or: fc.array(tie('cond'), { maxLength: 3 }) }),
      fc.record({ $and: fc.array(tie('cond'), { maxLength: 3 }) }),
      fc.record({ $nor: fc.array(tie('cond'), { maxLength: 2 }) }),
      fc.record({ $not: tie('cond') }),
      fc.tuple(fc.integer({ min: shallowest, max: deepest }), leaf).map(([depth, inner]) => chain(depth, inner)),
    ),
  })).cond;
}
const decided = conditions(CONTEXT_PATHS);
const applied = conditions([...CONTEXT_PATHS, ...EVENT_PATHS]);

/** Any number the schema allows for a bounded field, extremes included. */
const magnitude = (max: number) =>
  fc.oneof(fc.constantFrom(Number.MIN_VALUE, max), fc.double({ min: Number.MIN_VALUE, max, noNaN: true }));
const option = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined });
const consent = option(fc.constantFrom('analytics', 'personalization', 'ads'));
const banner = fc.record(
  { title: fc.string({ maxLength: 20 }), placement: fc.constantFrom('slot', 'top-bar', 'slide-in', 'modal') },
  { requiredKeys: ['title', 'placement'] },
);
const because = option(
  fc.constantFrom(
    'score {score.total}',
    '{counters.pages} pages',
    '{nope.path}',
    '{forms.mortgage-app.abandoned_step}',
    '{stage}/{segments}',
    '{request.utm.source}',
    '{}',
    '{{x}}',
  ),
);

/** Variants share what the holdout leaves; each may override banner fields. */
const experiment = fc
  .tuple(fc.double({ min: 0, max: 0.9, noNaN: true }), fc.integer({ min: 0, max: 3 }))
  .chain(([holdout, count]) =>
    fc.record({
      holdout: fc.constant(holdout),
      variants:
        count === 0
          ? fc.constant(undefined)
          : fc.tuple(
              ...Array.from({ length: count }, (_, i) =>
                fc.record({
                  id: fc.constant(`v${i}`),
                  weight: fc.constant((1 - holdout) / count),
                  banner: option(fc.record({ title: fc.string({ maxLength: 10 }) })),
                }),
              ),
            ),
    }),
  )
  .map((shares) => (shares.variants ? shares : { holdout: 0 }));

const offer = fc
  .record({
    slots: fc.constantFrom(['hero'], ['sidebar'], ['hero', 'sidebar']),
    when: decided,
    unless: option(decided),
    banner,
    because,
    stages: option(fc.subarray(['customer', 'lead', 'anonymous'], { minLength: 1 })),
    segments: option(fc.subarray(SEGMENTS, { minLength: 1 })),
    requires_consent: consent,
    explore: fc.boolean(),
    propensity: fc.double({ min: 0.001, max: 0.999, noNaN: true }),
    value: magnitude(1e6),
    weight: magnitude(1000),
    prior_strength: magnitude(1e6),
    goal: fc.constantFrom('click', 'convert'),
    suppress_after_convert: fc.boolean(),
    caps: fc.record({
      per_day: option(fc.integer({ min: 1, max: 3 })),
      total: option(fc.integer({ min: 1, max: 5 })),
      dismiss_cooldown_hours: option(fc.double({ min: 0.1, max: 100, noNaN: true })),
    }),
  })
  .chain((fields) => experiment.map((shares) => ({ ...fields, ...shares })));

// A segment may read the event only when sticky: others are decided again without one.
const segment = (id: string) =>
  fc
    .boolean()
    .chain((sticky) => fc.record({ id: fc.constant(id), sticky: fc.constant(sticky), when: sticky ? applied : decided }));

const rulesFile = fc.record({
  origins: fc.constant(['https://acme.example']),
  products: fc.constant([{ id: 'mortgage', value: 5 }, { id: 'card' }]),
  scoring: fc.record({
    half_life_days: magnitude(3650),
    rules: fc.array(
      fc.record({
        id: fc.uuid(),
        when: applied,
        points: fc.oneof(fc.constantFrom(-10_000, 10_000), fc.integer({ min: -50, max: 50 })).filter((p) => p !== 0),
        max_per_day: option(fc.integer({ min: 1, max: 3 })),
      }),
      { maxLength: 5 },
    ),
  }),
  stages: fc.constant([
    { id: 'customer', when: { 'tracks.loan_funded': 1 } },
    { id: 'lead', when: { 'score.total': { $gte: 10 } } },
    { id: 'anonymous' },
  ]),
  segments: fc.tuple(...SEGMENTS.map(segment)),
  offers: fc.array(offer, { minLength: 1, maxLength: 4 }).map((offers) => offers.map((o, i) => ({ ...o, id: `offer-${i}` }))),
  audiences: fc.array(
    fc.record({
      id: fc.uuid(),
      when: applied,
      days: fc.integer({ min: 1, max: 90 }),
      requires_consent: consent,
      exit_when: option(applied),
    }),
    { maxLength: 2 },
  ),
});

const T0 = Date.UTC(2026, 10, 2);
const url = fc.constantFrom(
  'https://acme.example/rates?utm_source=g&utm_medium=cpc',
  'https://acme.example/',
  'http://x.example/a/b?utm_campaign=%75',
  'https://acme.example/apply#x',
);
const event = fc
  .oneof(
    fc.record({ type: fc.constant('page'), url }),
    fc.record({
      type: fc.constant('track'),
      name,
      props: option(fc.dictionary(name, fc.oneof(fc.string({ maxLength: 4 }), fc.integer(), fc.constantFrom('amount')))),
    }),
    fc.record({
      type: fc.constant('track'),
      name: fc.constant('purchase'),
      props: fc.record({ amount: fc.double({ min: -1e6, max: 1e6, noNaN: true }) }),
    }),
    fc.record({
      type: fc.constant('form'),
      form: name,
      action: fc.constantFrom('start', 'step', 'submit', 'abandon'),
      step: option(fc.integer({ min: 1, max: 4 })),
    }),
    fc.record({
      type: fc.constant('offer'),
      offer: name,
      action: fc.constantFrom('impression', 'click', 'dismiss', 'convert'),
      variant: option(fc.constantFrom('v0', 'v1', 'v2', 'x')),
    }),
    fc.record({ type: fc.constant('identify'), uid: fc.constant('0'.repeat(64)) }),
  )
  .chain((body) =>
    fc
      .record({ id: fc.constant('evt-00000001'), ts: fc.integer({ min: T0, max: T0 + 90 * 86_400_000 }) })
      .map((base) => ({ ...base, ...body })),
  );
const request: fc.Arbitrary<RequestContext> = fc.record(
  {
    url,
    referrer: fc.constant('https://search.example/'),
    device: fc.constantFrom('mobile', 'tablet', 'desktop'),
    country: fc.constantFrom('US', 'CA'),
    utm: fc.record({ source: fc.constantFrom('newsletter', 'g'), medium: fc.constantFrom('cpc', 'email') }, { requiredKeys: [] }),
    consent: fc.record({ ads: fc.boolean(), personalization: fc.boolean(), analytics: fc.boolean() }, { requiredKeys: [] }),
  },
  { requiredKeys: [] },
);

describe('engine robustness', () => {
  it('never throws for rules the schema accepts', () => {
    let exercised = 0;
    fc.assert(
      fc.property(rulesFile, fc.array(fc.tuple(event, option(request)), { maxLength: 12 }), (json, events) => {
        const loaded = loadRules(json, 'rules/prop.json');
        fc.pre(loaded.ok);
        if (!loaded.ok) return;
        exercised += 1;
        const state = newVisitor('visitor-prop', T0);
        for (const [raw, context] of events) {
          const parsed = Event.parse(raw);
          applyEvent(loaded.rules, state, parsed, parsed.ts, context);
          // The visitor's object keeps the state in memory between requests and decides on it as
          // it is: deciding must not change it, and must not differ from deciding on it as stored.
          const stored = JSON.stringify(state);
          const decision = decide(loaded.rules, state, ['hero', 'sidebar'], parsed.ts + 1000, context);
          expect(JSON.stringify(state)).toBe(stored);
          expect(decide(loaded.rules, JSON.parse(stored), ['hero', 'sidebar'], parsed.ts + 1000, context)).toEqual(decision);
          expect(Number.isFinite(decision.score.total)).toBe(true);
          expect(Decision.safeParse(decision).success).toBe(true);
          for (const offer of decision.offers) expect(offer.reasons.join(' ')).not.toMatch(/NaN|Infinity/);
        }
        expect(() => JSON.stringify(state)).not.toThrow();
      }),
      { numRuns: 300, seed: 20261102 },
    );
    // Generated conditions are sometimes invalid on purpose; most runs must still reach the engine.
    expect(exercised).toBeGreaterThan(150);
  }, 60_000); // 300 generated rules files × up to 12 events: seconds on a busy CI machine

  it('never throws while loading, whatever the JSON: problems are returned', () => {
    // A rules file with refused conditions, one section replaced by any JSON, or any JSON outright.
    const section = fc.constantFrom(
      'origins',
      'slots',
      'products',
      'scoring',
      'stages',
      'segments',
      'offers',
      'audiences',
      'extra',
    );
    const refused = conditions([...CONTEXT_PATHS, ...EVENT_PATHS], true);
    const broken = fc.oneof(
      fc.tuple(rulesFile, refused, refused).map(([json, when, unless]) => ({
        ...json,
        offers: [...json.offers, { id: 'x', slots: ['hero'], banner: { title: 't', placement: 'slot' }, when, unless }],
      })),
      fc.tuple(rulesFile, refused).map(([json, when]) => ({ ...json, stages: [{ id: 'deep', when }, ...json.stages] })),
      fc.tuple(rulesFile, section, fc.jsonValue({ maxDepth: 4 })).map(([json, key, value]) => ({ ...json, [key]: value })),
      fc
        .tuple(rulesFile, fc.jsonValue({ maxDepth: 3 }))
        .map(([json, value]) => ({ ...json, offers: [...json.offers, value], stages: [value, ...json.stages] })),
      fc.jsonValue(),
    );
    fc.assert(
      fc.property(broken, (json) => {
        const loaded = loadRules(json, 'rules/prop.json');
        if (!loaded.ok) for (const line of loaded.problems) expect(line).toMatch(/^rules\/prop\.json:\S.*: \S/);
      }),
      { numRuns: 300, seed: 20261102 },
    );
  }, 60_000);
});
