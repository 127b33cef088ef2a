// Engine benchmarks: CPU per decision and per applied event with a large rules file (1,000 scoring
// rules, 50 offers, 20 audiences), and per decision at two history lengths to show cost is flat;
// then per decision with learned rates loaded for 50 offers × 3 arms × 30 contexts.
import {
  applyEvent,
  decide,
  loadRules,
  newVisitor,
  type CompiledRules,
  type ObservedRates,
  type VisitorState,
} from '../../worker/engine';
import { contextKey } from '../../worker/engine/context-rates';
import type { Event } from '../../worker/schema/events';
import { fnv1a32 } from '../../worker/engine/hash';
import type { RulesInput } from '../../rules/schema';

const T0 = Date.UTC(2026, 10, 2);
const SLOTS = ['hero', 'sidebar', 'footer'];
const pick = <T>(items: readonly T[], i: number): T => items[i % items.length];
const PATHS = ['/rates', '/refinance', '/heloc', '/calculator', '/apply', '/about', '/cards', '/blog/first-home'];
const FORMS = Array.from({ length: 10 }, (_, i) => `form-${i}`);

/** 100 page rules (path regexes), 700 track rules over 100 names, 150 form rules over 10 forms, 50 offer rules. */
function scoringRules(): NonNullable<RulesInput['scoring']>['rules'] {
  return Array.from({ length: 1000 }, (_, i) => {
    const id = `rule-${i}`;
    if (i < 100)
      return {
        id,
        when: {
          'event.type': 'page',
          'request.path': { $regex: `^${pick(PATHS, i)}` },
          'request.utm.source': { $ne: `spam-${i}` },
        },
        points: 1 + (i % 5),
        max_per_day: 3,
      };
    if (i < 800)
      return {
        id,
        when: { 'event.type': 'track', 'event.name': `action_${i % 100}`, 'event.props.bucket': { $in: ['a', 'b', `c${i}`] } },
        points: 2,
        product: pick(['mortgage', 'card'], i),
      };
    if (i < 950)
      return {
        id,
        when: { 'event.type': 'form', 'event.form': pick(FORMS, i), 'event.step': { $gte: (i % 4) + 1 } },
        points: 5,
        product: 'mortgage',
      };
    return { id, when: { 'event.type': 'offer', 'event.action': pick(['click', 'dismiss'], i) }, points: i % 2 ? 3 : -1 };
  });
}

function rulesFile(): RulesInput {
  return {
    origins: ['https://acme.example'],
    products: [
      { id: 'mortgage', value: 10 },
      { id: 'card', value: 2 },
    ],
    scoring: { half_life_days: 14, rules: scoringRules() },
    learn_by: ['stage', 'segments'],
    stages: [
      { id: 'customer', when: { 'tracks.action_99': { $gte: 3 } } },
      { id: 'applicant', when: { 'forms.form-1.started': true } },
      { id: 'lead', when: { 'score.total': { $gte: 80 } } },
      { id: 'engaged', when: { 'counters.pages': { $gte: 2 } } },
      { id: 'anonymous' },
    ],
    segments: Array.from({ length: 20 }, (_, i) => ({
      id: `segment-${i}`,
      when: { [`score.products.${pick(['mortgage', 'card'], i)}`]: { $gte: i * 5 } },
    })),
    offers: Array.from({ length: 50 }, (_, i) => ({
      id: `offer-${i}`,
      slots: [pick(SLOTS, i)],
      product: pick(['mortgage', 'card'], i),
      when: {
        $or: [{ 'score.total': { $gte: i } }, { segments: `segment-${i % 20}` }],
        [`forms.${pick(FORMS, i)}.submitted`]: { $ne: true },
      },
      stages: i % 3 ? undefined : ['engaged', 'lead', 'applicant'],
      explore: i % 5 === 0,
      caps: { per_day: 3, dismiss_cooldown_hours: 24 },
      ...(i % 4 === 0
        ? {
            holdout: 0.1,
            variants: [
              { id: 'a', weight: 0.45 },
              { id: 'b', weight: 0.45 },
            ],
          }
        : {}),
      banner: { title: `Offer ${i}`, placement: 'slot' as const },
    })),
    audiences: Array.from({ length: 20 }, (_, i) => ({
      id: `audience-${i}`,
      when: { [`score.products.${pick(['mortgage', 'card'], i)}`]: { $gte: i * 3 } },
      days: 30,
      exit_when: { [`forms.${pick(FORMS, i)}.submitted`]: true },
    })),
  };
}

function eventAt(i: number): Event {
  const ts = T0 + i * 600_000;
  const id = `evt-${String(i).padStart(8, '0')}`;
  switch (i % 5) {
    case 0:
    case 1:
      return { id, ts, type: 'page', url: `https://acme.example${pick(PATHS, i)}?utm_source=g` };
    case 2:
      return { id, ts, type: 'track', name: `action_${i % 100}`, props: { bucket: pick(['a', 'b', 'z'], i) } };
    case 3:
      return {
        id,
        ts,
        type: 'form',
        form: pick(FORMS, i),
        action: pick(['start', 'step', 'step', 'abandon'] as const, i),
        step: (i % 4) + 1,
      };
    default:
      return {
        id,
        ts,
        type: 'offer',
        offer: `offer-${i % 50}`,
        action: pick(['impression', 'impression', 'click', 'dismiss'] as const, i),
      };
  }
}

function visitorWith(rules: CompiledRules, events: number): VisitorState {
  const state = newVisitor('visitor-bench-0001', T0);
  for (let i = 0; i < events; i += 1) applyEvent(rules, state, eventAt(i), T0 + i * 600_000, { device: 'desktop' });
  return state;
}

/**
 * CPU µs per call after a warm-up: process CPU time, so a busy machine skews it less, and the
 * median of five rounds, so one garbage collection or a noisy neighbour does not set the figure.
 */
function measure(run: (i: number) => void): number {
  for (let i = 0; i < 2000; i += 1) run(i);
  let calls = 0;
  const rounds: number[] = [];
  for (let round = 0; round < 5; round += 1) {
    const start = process.cpuUsage();
    const cpu = () => {
      const used = process.cpuUsage(start);
      return used.user + used.system;
    };
    let roundCalls = 0;
    while (cpu() < 80_000) {
      for (let i = 0; i < 100; i += 1) run(calls + i);
      calls += 100;
      roundCalls += 100;
    }
    rounds.push(cpu() / roundCalls);
  }
  return rounds.sort((a, b) => a - b)[2];
}

const loaded = loadRules(rulesFile(), 'bench.json');
if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
const rules = loaded.rules;
const now = (state: VisitorState) => state.last_seen + 60_000;

/**
 * CPU per event applied to a profile of `history` events: the next 1,000 events of the same story,
 * on a copy (applying mutates) that is reset after each thousand.
 */
function measureApply(profile: VisitorState, history: number): number {
  let state = structuredClone(profile);
  return measure((i) => {
    if (i % 1000 === 0) state = structuredClone(profile);
    const n = history + (i % 1000);
    applyEvent(rules, state, eventAt(n), T0 + n * 600_000, { device: 'desktop' });
  });
}

const state500 = visitorWith(rules, 500);
const decideUs = measure(() => decide(rules, state500, SLOTS, now(state500)));
const applyUs = measureApply(state500, 500);
const state50 = visitorWith(rules, 50);
const state5000 = visitorWith(rules, 5000);

/**
 * Rates as offer-rates.ts reads them at its bound: every offer's arms (a, b and "-", whichever it
 * has, plus one more) with 30 contexts each, the visitor's own context among them.
 */
function contextualRates(state: VisitorState): ObservedRates {
  const { stage, segments } = decide(rules, state, [], now(state));
  const own = contextKey(['stage', 'segments'], { stage, segments });
  const rates: ObservedRates = {};
  for (let i = 0; i < 50; i += 1) {
    rates[`offer-${i}`] = {};
    for (const arm of ['a', 'b', '-']) {
      const contexts: Record<string, { impressions: number; clicks: number; converts: number }> = {};
      for (let c = 0; c < 30; c += 1) {
        const key = c === 0 ? own : `stage=${pick(['engaged', 'lead', 'applicant'], c)}|segments=segment-${c}`;
        contexts[key] = { impressions: 100 + ((i * 31 + c * 7) % 900), clicks: 10 + (c % 17), converts: 1 + ((i + c) % 9) };
      }
      rates[`offer-${i}`][arm] = { impressions: 30_000, clicks: 500, converts: 150, contexts };
    }
  }
  return rates;
}
const observed = contextualRates(state500);
// As the worker sees it: each decision on a state parsed from its stored JSON (worker/visitor/
// storage.ts), at a later `now` and under a visitor id of its own, so that no cache from the previous
// call can hit (the audience event ids' included: the first page view of a visitor in an isolate).
// The parse is part of the figure, since the Durable Object pays it on every cold request.
const stored500 = JSON.stringify(state500);
const decideFreshUs = measure((i) => {
  const state = JSON.parse(stored500) as VisitorState;
  state.vid = `fresh-${i}`;
  decide(rules, state, SLOTS, now(state) + i * 1000);
});
const parseUs = measure(() => JSON.parse(stored500));
const applyFreshUs = measure((i) => {
  const state = JSON.parse(stored500) as VisitorState;
  applyEvent(rules, state, eventAt(500 + (i % 1000)), T0 + (500 + (i % 1000)) * 600_000, { device: 'desktop' });
});

// The first decision after each refresh of the rates (at most once a minute per isolate) also fits
// every arm's click factors and shrinkage strength: measured on rates parsed afresh each time.
const storedRates = JSON.stringify(observed);
const decideAfterRefreshUs = measure(() =>
  decide(rules, state500, SLOTS, now(state500), undefined, JSON.parse(storedRates) as ObservedRates),
);
const parseRatesUs = measure(() => JSON.parse(storedRates));

const fmt = (us: number) => us.toFixed(2);
console.log(`engine_decide_us_fresh_state: ${fmt(decideFreshUs)} µs (of which parsing the stored state ${fmt(parseUs)} µs)`);
console.log(`engine_apply_event_us_fresh_state: ${fmt(applyFreshUs)} µs`);
console.log(`engine_decide_us_1000_rules: ${fmt(decideUs)} µs`);
console.log(
  `engine_decide_us_1000_rules_contextual_rates: ${fmt(measure(() => decide(rules, state500, SLOTS, now(state500), undefined, observed)))} µs`,
);
console.log(
  `engine_decide_us_first_after_rates_refresh: ${fmt(decideAfterRefreshUs)} µs (of which parsing the rates ${fmt(parseRatesUs)} µs; once a minute per isolate)`,
);
console.log(`engine_apply_event_us: ${fmt(applyUs)} µs`);
console.log(`engine_decide_us_history_50: ${fmt(measure(() => decide(rules, state50, SLOTS, now(state50))))} µs`);
console.log(`engine_decide_us_history_5000: ${fmt(measure(() => decide(rules, state5000, SLOTS, now(state5000))))} µs`);
console.log(`engine_apply_event_us_history_50: ${fmt(measureApply(state50, 50))} µs`);
console.log(`engine_apply_event_us_history_5000: ${fmt(measureApply(state5000, 5000))} µs`);
console.log(`engine_state_bytes_history_5000: ${JSON.stringify(state5000).length} bytes`);
// A yardstick for comparing machines: one FNV-1a hash of an 11-character id. Divide the figures
// above by it to compare runs on different machines (or under different load).
const ids = Array.from({ length: 1024 }, (_, i) => `visitor-${String(i).padStart(3, '0')}`);
let sink = 0;
console.log(
  `engine_calibration_fnv_ns: ${fmt(
    measure((i) => {
      for (let j = 0; j < 100; j += 1) sink ^= fnv1a32(ids[(i + j) & 1023]);
    }) * 10,
  )} ns`,
);
if (sink === 0.5) console.log(''); // keeps the loop from being optimized away
