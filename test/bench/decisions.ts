// `npm run bench:decisions`: an offline evaluation of the offer decisions on a seeded, simulated
// lender population run through the real engine with the worker's learning loop. Each visitor has a
// latent type (buyer, homeowner, customer, browser) and intent that the engine never sees: it sees
// only the page views and tracks these cause, and the impressions, clicks and conversions of what it
// shows, rolled up as offer-rates.ts reads them (each visitor once per offer and arm, with the context
// at exposure) and refreshed once a simulated minute, as each isolate refreshes them.
// Prints `name: value unit` lines: decision_share_of_oracle per strategy and traffic, the score's
// top-decile lift, and the holdout's lift estimate against the true lift in both holdout modes.
// Then the contextual share over `--spread` seeds from `--seed` on, as a median with min–max: one
// seed's figure moves by several points with the luck of the first visitors' draws.
// Usage: npm run bench:decisions [-- --seed 7 --visitors 10000,50000 --spread 16 --coverage 20]
import { parseArgs } from 'node:util';
import { applyEvent, decide, loadRules, newVisitor, type CompiledRules, type ObservedRates } from '../../worker/engine';
import { contextKey } from '../../worker/engine/context-rates';
import { seededRandom } from '../../worker/engine/hash';
import type { ObservedCounts } from '../../worker/engine/propensity';
import type { Event } from '../../worker/schema/events';
import type { LearnBy, RulesInput } from '../../rules/schema';

const { values: args } = parseArgs({
  options: {
    seed: { type: 'string', default: '7' },
    visitors: { type: 'string', default: '10000,50000' },
    spread: { type: 'string', default: '16' },
    coverage: { type: 'string', default: '20' },
  },
});
const SEED = Number(args.seed);
const SIZES = args.visitors.split(',').map(Number);
const SPREAD_RUNS = Number(args.spread);
const COVERAGE_RUNS = Number(args.coverage);

const T0 = Date.UTC(2026, 10, 2);
const DAY = 86_400_000;
const MINUTE = 60_000;
/** Visitors arrive evenly over this many days, whatever their number. */
const DAYS = 14;
const SITE = 'https://lender.example';

// ---- The population: what the engine never sees -------------------------------------------------

const TYPES = ['buyer', 'homeowner', 'customer', 'browser'] as const;
type Type = (typeof TYPES)[number];
const TYPE_SHARE: Record<Type, number> = { buyer: 0.35, homeowner: 0.3, customer: 0.15, browser: 0.2 };

const OFFERS = ['preapproval', 'refinance', 'heloc', 'card', 'rate_alert'] as const;
type OfferId = (typeof OFFERS)[number];
const VALUE: Record<OfferId, number> = { preapproval: 10, refinance: 8, heloc: 6, card: 2, rate_alert: 1 };
/** True conversion rate per exposure of a visitor of average intent, by type and offer. */
const TRUE_RATE: Record<Type, Record<OfferId, number>> = {
  buyer: { preapproval: 0.05, refinance: 0.004, heloc: 0.003, card: 0.008, rate_alert: 0.03 },
  homeowner: { preapproval: 0.006, refinance: 0.04, heloc: 0.035, card: 0.008, rate_alert: 0.03 },
  customer: { preapproval: 0.008, refinance: 0.012, heloc: 0.02, card: 0.12, rate_alert: 0.02 },
  browser: { preapproval: 0.01, refinance: 0.005, heloc: 0.004, card: 0.01, rate_alert: 0.03 },
};
/** Shown nothing (an empty holdout), a visitor of average intent applies for something at this rate. */
const ORGANIC_RATE = 0.005;
/**
 * Clicks per conversion, by type: a visitor who converts has clicked, and others click too, more of
 * them where clicks say less (browsers click and rarely apply), so clicks are a noisy guide.
 */
const CLICKS_PER_CONVERT: Record<Type, number> = { buyer: 2, homeowner: 3, customer: 2.5, browser: 6 };
/** Intent multiplies every rate; high-intent visitors also view each page they view twice. */
const INTENTS = [
  [0.5, 0.5],
  [1, 0.3],
  [2, 0.2],
] as const;
/** Chance that a visitor of a type views each page (or tracks each action). */
const VISITS: Record<Type, Array<[string, number]>> = {
  buyer: [
    ['/buy', 0.9],
    ['calculator_used', 0.6],
    ['/rates', 0.5],
    ['/refinance', 0.05],
    ['/heloc', 0.02],
    ['/cards', 0.05],
  ],
  homeowner: [
    ['/refinance', 0.8],
    ['/heloc', 0.5],
    ['/rates', 0.5],
    ['/buy', 0.1],
    ['/cards', 0.05],
  ],
  customer: [
    ['login', 0.9],
    ['/cards', 0.5],
    ['/heloc', 0.1],
    ['/refinance', 0.1],
    ['/buy', 0.05],
  ],
  browser: [
    ['/rates', 0.6],
    ['/buy', 0.15],
    ['/refinance', 0.1],
    ['/cards', 0.1],
    ['/heloc', 0.05],
  ],
};

interface Person {
  vid: string;
  at: number;
  type: Type;
  intent: number;
  events: Event[];
  /** One uniform draw per visitor for the outcome: the same across strategies (common random numbers). */
  outcome: number;
}

function pickShare<T>(entries: ReadonlyArray<readonly [T, number]>, u: number): T {
  let upper = 0;
  for (const [value, share] of entries) if (u < (upper += share)) return value;
  return entries[entries.length - 1][0];
}

function person(seed: number, i: number, visitors: number): Person {
  const rand = seededRandom(seed * 1_000_003 + i);
  const type = pickShare(
    TYPES.map((t) => [t, TYPE_SHARE[t]] as const),
    rand(),
  );
  const intent = pickShare(INTENTS, rand());
  const at = T0 + Math.floor((i * DAYS * DAY) / visitors);
  const events: Event[] = [];
  const push = (what: string) => {
    const ts = at + events.length * 30_000;
    const id = `e${events.length}`;
    events.push(what.startsWith('/') ? { id, ts, type: 'page', url: `${SITE}${what}` } : { id, ts, type: 'track', name: what });
  };
  push('/');
  for (const [what, chance] of VISITS[type]) {
    if (rand() >= chance) continue;
    push(what);
    if (intent > 1) push(what);
  }
  return { vid: `v${seed}-${i}`, at, type, intent, events, outcome: rand() };
}

const rateOf = (p: Person, offer: OfferId) => Math.min(1, TRUE_RATE[p.type][offer] * p.intent);

// ---- The rules the engine runs ------------------------------------------------------------------

function rules(learnBy: LearnBy[], holdoutMode: 'next_best' | 'empty', explore = true): CompiledRules {
  const page = (path: string, points: number, product?: string) => ({
    id: `page${path.replace('/', '-')}`,
    when: { 'event.type': 'page', 'request.path': { $regex: `^${path}` } },
    points,
    ...(product ? { product } : {}),
  });
  const file: RulesInput = {
    origins: [SITE],
    learn_by: learnBy,
    products: [
      { id: 'mortgage', value: 10 },
      { id: 'refinance', value: 8 },
      { id: 'heloc', value: 6 },
      { id: 'card', value: 2 },
    ],
    scoring: {
      half_life_days: 14,
      rules: [
        page('/buy', 5, 'mortgage'),
        page('/refinance', 5, 'refinance'),
        page('/heloc', 5, 'heloc'),
        page('/cards', 4, 'card'),
        page('/rates', 2),
        { id: 'calculator', when: { 'event.type': 'track', 'event.name': 'calculator_used' }, points: 8, product: 'mortgage' },
      ],
    },
    stages: [
      { id: 'customer', when: { 'tracks.login': { $gte: 1 } } },
      { id: 'engaged', when: { 'counters.pages': { $gte: 3 } } },
      { id: 'anonymous' },
    ],
    segments: [
      { id: 'buyer', when: { 'score.products.mortgage': { $gte: 5 } } },
      { id: 'homeowner', when: { $or: [{ 'score.products.refinance': { $gte: 5 } }, { 'score.products.heloc': { $gte: 5 } }] } },
      { id: 'card_shopper', when: { 'score.products.card': { $gte: 4 } } },
    ],
    offers: OFFERS.map((id) => ({
      id,
      slots: ['hero'],
      value: VALUE[id],
      propensity: 0.02,
      explore,
      ...(id === 'preapproval' ? { holdout: 0.1, holdout_mode: holdoutMode } : {}),
      banner: { title: id, placement: 'slot' as const },
    })),
  };
  const loaded = loadRules(file, 'bench-decisions.json');
  if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
  return loaded.rules;
}

// ---- The learning loop: the rollups as offer-rates.ts reads them ---------------------------------

type Tally = ObservedCounts & { contexts: Record<string, ObservedCounts> };

class Rollups {
  private tallies = new Map<string, Tally>();

  /** One visitor shown `offer` (no variants: arm "-") in `context`, who clicked or converted or not. */
  add(offer: string, context: string, clicked: boolean, converted: boolean) {
    let tally = this.tallies.get(offer);
    if (!tally) this.tallies.set(offer, (tally = { impressions: 0, clicks: 0, converts: 0, contexts: {} }));
    const inContext = (tally.contexts[context] ??= { impressions: 0, clicks: 0, converts: 0 });
    for (const counts of [tally, inContext]) {
      counts.impressions += 1;
      counts.clicks += clicked ? 1 : 0;
      counts.converts += converted ? 1 : 0;
    }
  }

  /** A fresh snapshot, as a read of D1 gives one: new objects, so the engine's per-read caches start over. */
  snapshot(): ObservedRates {
    const rates: ObservedRates = {};
    for (const [offer, { contexts, ...overall }] of this.tallies) {
      const copy: Record<string, ObservedCounts> = {};
      for (const [key, counts] of Object.entries(contexts)) copy[key] = { ...counts };
      rates[offer] = { '-': { ...overall, contexts: copy } };
    }
    return rates;
  }
}

// ---- One run ------------------------------------------------------------------------------------

type Strategy = 'contextual' | 'per_offer' | 'fixed' | 'true_context';
const LEARN_BY: Record<Strategy, LearnBy[]> = {
  contextual: ['stage', 'segments'],
  per_offer: [],
  fixed: [],
  true_context: ['stage', 'segments'],
};

interface Outcome {
  shown: number;
  oracle: number;
  scores: Array<[score: number, converted: boolean]>;
  holdout: HoldoutTally;
}

/** Visitors for whom the held-out offer won the slot: shown it (treated) or held out. */
interface HoldoutTally {
  treated: number;
  treatedConverts: number;
  held: number;
  heldConverts: number;
  /** Σ over both groups of the true rate of the offer minus that of what a held-out visitor sees. */
  trueLiftSum: number;
}

function run(
  seed: number,
  visitors: number,
  strategy: Strategy,
  holdoutMode: 'next_best' | 'empty',
  truth?: ObservedRates,
): Outcome {
  // Fixed priority ranks on the rules' base rates alone: no learning, no sampling.
  const compiled = rules(LEARN_BY[strategy], holdoutMode, strategy !== 'fixed');
  const rollups = new Rollups();
  let observed: ObservedRates = strategy === 'true_context' ? truth! : {};
  let minute = -1;
  const out: Outcome = {
    shown: 0,
    oracle: 0,
    scores: [],
    holdout: { treated: 0, treatedConverts: 0, held: 0, heldConverts: 0, trueLiftSum: 0 },
  };
  for (let i = 0; i < visitors; i += 1) {
    const p = person(seed, i, visitors);
    const state = newVisitor(p.vid, p.at);
    for (const event of p.events) applyEvent(compiled, state, event, event.ts);
    const now = p.events[p.events.length - 1].ts;
    if (strategy === 'contextual' || strategy === 'per_offer') {
      // Each isolate reads the rollups at most once a minute: decisions within it share one read.
      const current = Math.floor(now / MINUTE);
      if (current !== minute) [minute, observed] = [current, rollups.snapshot()];
    }
    const decision = decide(compiled, state, ['hero'], now, undefined, observed, 'full');
    const shown = decision.offers.find((o) => !o.holdout);
    const held = decision.offers.find((o) => o.holdout);
    const rate = shown ? rateOf(p, shown.offer as OfferId) : ORGANIC_RATE * p.intent;
    const converted = p.outcome < rate;
    const clicked = p.outcome < Math.min(1, rate * CLICKS_PER_CONVERT[p.type]);
    out.shown += shown ? rate * VALUE[shown.offer as OfferId] : 0;
    // The oracle chooses among the offers this visitor could be shown: a held-out offer is not one.
    out.oracle += Math.max(...OFFERS.filter((o) => o !== held?.offer).map((o) => rateOf(p, o) * VALUE[o]));
    out.scores.push([decision.score.total, converted]);
    if (shown) {
      const key = contextKey(compiled.offers.get(shown.offer)!.learnBy, decision);
      rollups.add(shown.offer, key, clicked, converted);
    }
    tallyHoldout(out.holdout, p, shown, held, converted, holdoutMode);
  }
  return out;
}

function tallyHoldout(
  tally: HoldoutTally,
  p: Person,
  shown: { offer: string; reasons: string[] } | undefined,
  held: { offer: string } | undefined,
  converted: boolean,
  mode: 'next_best' | 'empty',
) {
  const TESTED = 'preapproval';
  let alternative: number;
  if (held?.offer === TESTED) {
    tally.held += 1;
    tally.heldConverts += converted ? 1 : 0;
    alternative = shown ? rateOf(p, shown.offer as OfferId) : ORGANIC_RATE * p.intent;
  } else if (shown?.offer === TESTED) {
    tally.treated += 1;
    tally.treatedConverts += converted ? 1 : 0;
    // What this visitor would have seen held out: the runner-up its reasons name, or nothing.
    const runnerUp = shown.reasons.find((r) => r.startsWith('outranked '))?.split(' ')[1] as OfferId | undefined;
    alternative = mode === 'next_best' && runnerUp ? rateOf(p, runnerUp) : ORGANIC_RATE * p.intent;
  } else return;
  tally.trueLiftSum += rateOf(p, TESTED) - alternative;
}

/**
 * The reference the issue calls true-context: each (stage, segments) context's true rate per offer,
 * as counts so large the engine's shrinkage leaves them as they are. Estimated on a separate seed.
 */
function trueContextRates(seed: number, visitors: number): ObservedRates {
  const compiled = rules(LEARN_BY.true_context, 'next_best');
  const sums = new Map<string, { n: number; rates: Record<OfferId, number> }>();
  for (let i = 0; i < visitors; i += 1) {
    const p = person(seed, i, visitors);
    const state = newVisitor(p.vid, p.at);
    for (const event of p.events) applyEvent(compiled, state, event, event.ts);
    const decision = decide(compiled, state, [], p.events[p.events.length - 1].ts);
    const key = contextKey(LEARN_BY.true_context, decision);
    let sum = sums.get(key);
    if (!sum) sums.set(key, (sum = { n: 0, rates: { preapproval: 0, refinance: 0, heloc: 0, card: 0, rate_alert: 0 } }));
    sum.n += 1;
    for (const offer of OFFERS) sum.rates[offer] += rateOf(p, offer);
  }
  const BIG = 1e7;
  const rates: ObservedRates = {};
  for (const offer of OFFERS) {
    const contexts: Record<string, ObservedCounts> = {};
    let converts = 0;
    for (const [key, { n, rates: r }] of sums) {
      contexts[key] = { impressions: BIG, clicks: 0, converts: Math.round((BIG * r[offer]) / n) };
      converts += contexts[key].converts;
    }
    rates[offer] = { '-': { impressions: BIG * sums.size, clicks: 0, converts, contexts } };
  }
  return rates;
}

// ---- Figures ------------------------------------------------------------------------------------

const share = (o: Outcome) => o.shown / o.oracle;

function topDecileLift(scores: Outcome['scores']): number {
  const sorted = [...scores].sort((a, b) => b[0] - a[0]);
  const top = sorted.slice(0, Math.ceil(sorted.length / 10));
  const rate = (rows: typeof scores) => rows.filter(([, c]) => c).length / rows.length;
  return rate(top) / rate(sorted);
}

/** The holdout's lift estimate (treated − held-out conversion rate) with a normal 95 % interval, and the truth. */
function holdoutFigures(t: HoldoutTally) {
  const p1 = t.treatedConverts / t.treated;
  const p0 = t.heldConverts / t.held;
  const se = Math.sqrt((p1 * (1 - p1)) / t.treated + (p0 * (1 - p0)) / t.held);
  const estimate = p1 - p0;
  const truth = t.trueLiftSum / (t.treated + t.held);
  return { estimate, low: estimate - 1.96 * se, high: estimate + 1.96 * se, truth, held: t.held };
}

const f3 = (x: number) => x.toFixed(3);
const pp = (x: number) => (x * 100).toFixed(2);

console.log(`decisions_seed: ${SEED}`);
const truth = trueContextRates(SEED + 1_000, 200_000);
for (const visitors of SIZES) {
  const k = visitors >= 1000 ? `${visitors / 1000}k` : String(visitors);
  const contextual = run(SEED, visitors, 'contextual', 'next_best');
  console.log(`decision_share_of_oracle_contextual_${k}: ${f3(share(contextual))} ratio`);
  console.log(`decision_share_of_oracle_per_offer_${k}: ${f3(share(run(SEED, visitors, 'per_offer', 'next_best')))} ratio`);
  console.log(`decision_share_of_oracle_fixed_${k}: ${f3(share(run(SEED, visitors, 'fixed', 'next_best')))} ratio`);
  console.log(
    `decision_share_of_oracle_true_context_${k}: ${f3(share(run(SEED, visitors, 'true_context', 'next_best', truth)))} ratio`,
  );
  console.log(`score_top_decile_lift_${k}: ${f3(topDecileLift(contextual.scores))} ratio`);
  for (const mode of ['next_best', 'empty'] as const) {
    const h = holdoutFigures((mode === 'next_best' ? contextual : run(SEED, visitors, 'contextual', mode)).holdout);
    console.log(
      `holdout_lift_${mode}_${k}: estimate ${pp(h.estimate)} pp [${pp(h.low)}, ${pp(h.high)}], true ${pp(h.truth)} pp, ${h.held} held out`,
    );
  }
}

if (SPREAD_RUNS > 1) {
  for (const visitors of SIZES) {
    const k = visitors >= 1000 ? `${visitors / 1000}k` : String(visitors);
    const shares = Array.from({ length: SPREAD_RUNS }, (_, r) => share(run(SEED + r, visitors, 'contextual', 'next_best')));
    shares.sort((a, b) => a - b);
    const median = (shares[(SPREAD_RUNS - 1) >> 1] + shares[SPREAD_RUNS >> 1]) / 2;
    const reached = shares.filter((x) => x >= 0.85).length;
    console.log(
      `decision_share_of_oracle_contextual_${k}_over_seeds: median ${f3(median)} (${f3(shares[0])}–${f3(shares.at(-1)!)}) ratio, ${reached} of ${SPREAD_RUNS} seeds from ${SEED} ≥ 0.85`,
    );
  }
}

// Coverage: over seeded runs, how often the 95 % interval holds the true lift. The truth here is the
// lift on the very visitors of the run (their types are known), while the interval also allows for
// which types a run happens to draw, so it covers that truth more often than 95 %; the unit test
// test/unit/engine/holdout.test.ts checks coverage against a fixed lift.
if (COVERAGE_RUNS > 0) {
  for (const mode of ['next_best', 'empty'] as const) {
    let covered = 0;
    for (let r = 0; r < COVERAGE_RUNS; r += 1) {
      const h = holdoutFigures(run(SEED + 100 + r, 10_000, 'contextual', mode).holdout);
      if (h.low <= h.truth && h.truth <= h.high) covered += 1;
    }
    console.log(`holdout_interval_coverage_${mode}: ${f3(covered / COVERAGE_RUNS)} ratio over ${COVERAGE_RUNS} runs of 10k`);
  }
}
