// The lifecycle KPIs of /v1/stats, exact: generated people (visits, leads, identification, loans
// funded, activation, payments, cross-sells, dormancy and win-backs, closures, referrals) become
// the queue messages a visitor's Durable Object sends, delivered out of order with duplicates;
// every figure of the lifecycle section must equal what is computed here from the people's own
// timelines, written apart from the code under test (no worker helper computes an expected value).
import { describe, expect, it } from 'vitest';
import { env, exports } from 'cloudflare:workers';
import { createMessageBatch } from 'cloudflare:test';
import { consumeEvents } from '../../worker/analytics/consumer';
import { seededRandom as seeded } from '../../worker/engine/hash';
import type { QueuedEvent } from '../../worker/analytics/message';
import type { PersonFacts } from '../../worker/analytics/person';
import type { Event } from '../../worker/schema/events';
import type { Kpis } from '../../worker/schema/stats';
import { TEST_API_KEY } from './api-keys';
import { get } from './helpers';

const DAY = 86_400_000;
const HOUR = 3_600_000;
// The range asked for; people start before it and act after it too.
const FROM = '2026-02-01';
const TO = '2026-05-31';
const START = Date.UTC(2026, 1, 1);
const END = Date.UTC(2026, 5, 1);
const DORMANT_DAYS = 90;
const ACTIVATION_DAYS = 30;
const CHANNELS: Array<[string, string] | null> = [['google', 'cpc'], ['facebook', 'social'], ['newsletter', 'email'], null];
const REFERRERS = ['ref_alice', 'ref_bob', 'ref_carol'];

type Body = { [K in Event['type']]: Omit<Extract<Event, { type: K }>, 'id' | 'ts'> }[Event['type']];

/** One person as generated: the truth the KPIs are checked against. */
interface Person {
  channel: [string, string] | null;
  referrer?: string;
  referredAt?: number;
  leadAt?: number;
  customerAt?: number;
  activatedAt?: number;
  products: Map<string, { taken: number; closed?: number }>;
  /** Times of the customer's own events (not offer impressions) from becoming a customer on. */
  active: number[];
  wins: Array<{ at: number; offer: string | null }>;
  /** USD amounts with their times; `other` counts amounts in another currency. */
  payments: Array<{ at: number; amount: number }>;
  otherCurrency: number[];
  /** Offer conversions made while already a customer, per offer, with their times. */
  crossSells: Array<{ at: number; offer: string }>;
}

function generate(people: number, seed: number): { messages: QueuedEvent[]; truth: Person[] } {
  const random = seeded(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const chance = (p: number) => random() < p;
  const messages: QueuedEvent[] = [];
  const truth: Person[] = [];
  let serial = 0;
  for (let n = 0; n < people; n++) {
    const device = `dev_${seed}_${n}`;
    const user = `uid:${seed}_${n}`;
    const person: Person = {
      channel: pick(CHANNELS),
      products: new Map(),
      active: [],
      wins: [],
      payments: [],
      otherCurrency: [],
      crossSells: [],
    };
    truth.push(person);
    let identified = false;
    let version = 0;
    let lastActive: number | undefined;
    const impressions: Array<{ at: number; offer: string }> = [];
    /** One event of this person, with the snapshot a visitor's object would attach after it. */
    const emit = (at: number, body: Body, extra: Partial<PersonFacts> & { stage?: QueuedEvent['stage'] } = {}) => {
      const backOffice = body.type === 'track' && body.name !== 'consent' && identified && body.name !== 'browse';
      const event = { ...body, id: `ev_${seed}_${serial++}`, ts: at } as Event;
      const impression = event.type === 'offer' && event.action === 'impression';
      const isCustomer = person.customerAt !== undefined && person.customerAt <= at;
      const wasCustomer = person.customerAt !== undefined && person.customerAt < at;
      if (!impression) {
        // A customer back after more than DORMANT_DAYS: a win-back, crediting the offer shown meanwhile.
        if (
          lastActive !== undefined &&
          person.customerAt !== undefined &&
          person.customerAt <= lastActive &&
          at - lastActive > DORMANT_DAYS * DAY
        ) {
          const shown = impressions.filter((i) => i.at > lastActive! && i.at <= at).sort((a, b) => b.at - a.at)[0];
          const offer = shown?.offer ?? null;
          person.wins.push({ at, offer });
          extra.winback = { offer };
        }
        lastActive = Math.max(lastActive ?? at, at);
        if (isCustomer) person.active.push(at);
      } else impressions.push({ at, offer: (event as Extract<Event, { type: 'offer' }>).offer });
      const { stage, ...facts } = extra;
      version += 1;
      const snapshot: PersonFacts = {
        ph: identified ? user : device,
        version,
        ...(identified ? { linked: [device] } : {}),
        ...(person.channel ? { source: person.channel[0], medium: person.channel[1] } : {}),
        ...(person.referrer ? { referrer: person.referrer, referred_at: person.referredAt } : {}),
        ...(person.leadAt !== undefined ? { lead_at: person.leadAt } : {}),
        ...(person.customerAt !== undefined ? { customer_at: person.customerAt } : {}),
        ...(person.activatedAt !== undefined ? { activated_at: person.activatedAt } : {}),
        products: [...person.products].map(([product, held]) => ({ product, ...held })),
        was_customer: wasCustomer,
        customer: isCustomer,
        active: !impression,
        ...facts,
      };
      const vid = backOffice ? user : device;
      messages.push({ site: 'demo', vid, vh: vid, at, event, person: snapshot, ...(stage ? { stage } : {}) });
    };

    // Arrives from Sep 2025 to Jun 2026, maybe through a tagged link, maybe referred.
    let at = Date.UTC(2025, 8, 1) + Math.floor(random() * 290) * DAY + Math.floor(random() * 20) * HOUR;
    const query = new URLSearchParams();
    if (person.channel) [query.set('utm_source', person.channel[0]), query.set('utm_medium', person.channel[1])];
    if (chance(0.2)) {
      person.referrer = pick(REFERRERS);
      person.referredAt = at;
      query.set('ref', person.referrer);
    }
    emit(at, { type: 'page', url: `https://demo.example/?${query}` });
    if (!chance(0.6)) continue;
    at += Math.floor(random() * 5) * DAY + HOUR;
    person.leadAt = at;
    emit(
      at,
      { type: 'form', form: 'mortgage-app', action: 'start', step: 1, steps: 4 },
      { stage: { from: 'engaged', to: 'lead' } },
    );
    const sawFinishApp = chance(0.5);
    if (sawFinishApp) emit((at += HOUR), { type: 'offer', offer: 'finish-app', variant: 'a', action: 'impression' });
    if (!chance(0.7)) continue;
    identified = true;
    emit((at += HOUR), { type: 'identify', uid: 'a'.repeat(64) });
    if (!chance(0.7)) continue;

    // Funded: a customer holding a mortgage, converting finish-app if they saw it.
    at += (1 + Math.floor(random() * 20)) * DAY;
    person.customerAt = at;
    person.products.set('mortgage', { taken: at });
    emit(
      at,
      { type: 'track', name: 'loan_funded', props: { product: 'mortgage' }, amount: 1500 },
      sawFinishApp ? { converts: [{ offer: 'finish-app', variant: 'a' }] } : {},
    );
    person.payments.push({ at, amount: 1500 });
    if (chance(0.7)) {
      const activated = at + Math.floor(random() * 45) * DAY + HOUR;
      person.activatedAt = activated;
      emit(activated, { type: 'track', name: 'first_payment', amount: 200 });
      person.payments.push({ at: activated, amount: 200 });
    }
    // Monthly payments for a while, some customers going quiet for months and coming back.
    const months = 1 + Math.floor(random() * 6);
    let when = (person.activatedAt ?? at) + 30 * DAY;
    const gapAfter = chance(0.3) ? Math.floor(random() * months) : -1;
    const euro = chance(0.1);
    for (let m = 0; m < months; m++) {
      if (m === gapAfter) {
        when += (DORMANT_DAYS + 10 + Math.floor(random() * 40)) * DAY;
        if (chance(0.5)) emit(when - 5 * DAY, { type: 'offer', offer: 'card-cross-sell', action: 'impression' });
      }
      const amount = 100 + Math.floor(random() * 400);
      emit(when, { type: 'track', name: 'payment', amount, ...(euro ? { currency: 'EUR' } : {}) });
      if (euro) person.otherCurrency.push(when);
      else person.payments.push({ at: when, amount });
      when += (25 + Math.floor(random() * 10)) * DAY;
    }
    // A card for some, after its offer: a cross-sell conversion.
    if (chance(0.3)) {
      const shown = person.customerAt + (3 + Math.floor(random() * 60)) * DAY;
      emit(shown, { type: 'offer', offer: 'card-cross-sell', action: 'impression' });
      person.products.set('card', { taken: shown + DAY });
      emit(
        shown + DAY,
        { type: 'track', name: 'account_opened', props: { product: 'card' } },
        { converts: [{ offer: 'card-cross-sell' }] },
      );
      person.crossSells.push({ at: shown + DAY, offer: 'card-cross-sell' });
    }
    // Closing every product: churn, whatever the activity.
    if (chance(0.1)) {
      const closed = when + DAY;
      for (const [product, held] of person.products) {
        held.closed = closed;
        emit(closed, { type: 'track', name: 'loan_closed', props: { product } });
      }
    }
  }
  return { messages, truth };
}

const day = (at: number) => new Date(at).toISOString().slice(0, 10);
const inRange = (at: number | undefined) => at !== undefined && at >= START && at < END;
const dayNumber = (date: string) => Date.parse(`${date}T00:00:00Z`) / DAY;

/** The lifecycle section, computed from the people directly. */
function expectedOf(truth: Person[]) {
  const fresh = truth.filter((p) => inRange(p.customerAt));
  const delays = fresh
    .filter((p) => p.activatedAt !== undefined && p.activatedAt - p.customerAt! <= ACTIVATION_DAYS * DAY)
    .map((p) => (p.activatedAt! - p.customerAt!) / DAY)
    .sort((a, b) => a - b);
  const middle =
    delays.length === 0
      ? null
      : delays.length % 2
        ? delays[(delays.length - 1) / 2]
        : (delays[delays.length / 2 - 1] + delays[delays.length / 2]) / 2;
  const customers = truth.filter((p) => p.customerAt !== undefined && p.customerAt < END);
  const churned = customers.filter((p) => {
    const days = p.active.filter((t) => t < END).map(day);
    const last = days.length ? days.sort().at(-1)! : day(p.customerAt!);
    const taken = [...p.products.values()].filter((h) => h.taken < END);
    const open = taken.filter((h) => h.closed === undefined || h.closed >= END);
    return dayNumber(TO) - dayNumber(last) > DORMANT_DAYS || (taken.length > 0 && open.length === 0);
  }).length;
  const multi = customers.filter((p) => [...p.products.values()].filter((h) => h.taken < END).length >= 2).length;
  // Retention: each month's new customers, and how many made an event of their own in each later month.
  const cohorts = new Map<string, Person[]>();
  for (const p of fresh) {
    const cohort = day(p.customerAt!).slice(0, 7);
    cohorts.set(cohort, [...(cohorts.get(cohort) ?? []), p]);
  }
  const monthList = ['2026-02', '2026-03', '2026-04', '2026-05'];
  const retention = [...cohorts.keys()].sort().map((cohort) => ({
    cohort,
    customers: cohorts.get(cohort)!.length,
    months: monthList.slice(monthList.indexOf(cohort)).map((month, k) => ({
      month: k,
      active: cohorts.get(cohort)!.filter((p) => p.active.some((t) => t < END && day(t).startsWith(month))).length,
    })),
  }));
  const wins = truth.flatMap((p) => p.wins.filter((w) => inRange(w.at)).map((w) => ({ p, offer: w.offer })));
  const wonBack = new Set(wins.map((w) => w.p)).size;
  const winOffers: Record<string, number> = {};
  for (const { offer } of wins) winOffers[String(offer)] = (winOffers[String(offer)] ?? 0) + 1;
  const referred = truth.filter((p) => p.referrer && inRange(p.referredAt));
  const byReferrer: Record<string, { visitors: number; leads: number; customers: number }> = {};
  for (const p of referred) {
    const r = (byReferrer[p.referrer!] ??= { visitors: 0, leads: 0, customers: 0 });
    r.visitors += 1;
    if (p.leadAt !== undefined) r.leads += 1;
    if (p.customerAt !== undefined) r.customers += 1;
  }
  const clvChannels: Record<string, { customers: number; revenue: number }> = {};
  for (const p of customers) {
    const c = (clvChannels[p.channel ? p.channel.join('/') : 'null/null'] ??= { customers: 0, revenue: 0 });
    c.customers += 1;
    c.revenue += p.payments.filter((pay) => pay.at < END).reduce((sum, pay) => sum + pay.amount, 0);
  }
  const revenue = Object.values(clvChannels).reduce((sum, c) => sum + c.revenue, 0);
  const crossSells: Record<string, number> = {};
  for (const p of truth) for (const c of p.crossSells) if (inRange(c.at)) crossSells[c.offer] = (crossSells[c.offer] ?? 0) + 1;
  const leadsBy: Record<string, number> = {};
  for (const p of truth)
    if (inRange(p.leadAt))
      leadsBy[p.channel ? p.channel.join('/') : 'null/null'] = (leadsBy[p.channel ? p.channel.join('/') : 'null/null'] ?? 0) + 1;
  return {
    fresh: fresh.length,
    activated: delays.length,
    middle,
    retention,
    customers: customers.length,
    churned,
    multi,
    wonBack,
    winOffers,
    byReferrer,
    clvChannels,
    revenue,
    otherCurrency: truth.reduce((sum, p) => sum + p.otherCurrency.filter((t) => t < END).length, 0),
    crossSells,
    leadsBy,
  };
}

function shuffled<T>(items: T[], seed: number): T[] {
  const random = seeded(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

let batchSerial = 0;
async function deliver(bodies: QueuedEvent[], size: number) {
  for (let i = 0; i < bodies.length; i += size) {
    const slice = bodies.slice(i, i + size);
    const batch = createMessageBatch<QueuedEvent>(
      'nextbest-events',
      slice.map((body) => ({ id: `msg-${batchSerial++}`, timestamp: new Date(body.at), attempts: 1, body })),
    );
    await consumeEvents(batch, env);
  }
}

describe('lifecycle KPIs', () => {
  it('equal the figures computed from the generated people, delivered out of order with duplicates', async () => {
    const { messages, truth } = generate(500, 7);
    const again = shuffled(messages, 8).filter((_, i) => i % 4 === 0);
    await deliver(shuffled([...messages, ...again], 9), 100);
    await deliver(again, 100);
    const spend = [
      { day: '2026-02-10', source: 'google', medium: 'cpc', amount: 1200 },
      { day: '2026-03-10', source: 'google', medium: 'cpc', amount: 800 },
      { day: '2026-04-01', source: 'facebook', medium: 'social', amount: 500 },
      // Outside the range: not counted.
      { day: '2026-06-01', source: 'google', medium: 'cpc', amount: 9999 },
    ];
    const stored = await exportsPut('/v1/spend/demo', { spend });
    expect(stored.status).toBe(200);

    const response = await get(`/v1/stats/demo?from=${FROM}&to=${TO}&metric=lifecycle`);
    expect(response.status).toBe(200);
    const lifecycle = (await response.json<Kpis>()).lifecycle!;
    const want = expectedOf(truth);
    // The generator makes every kind of case happen.
    for (const figure of [want.fresh, want.activated, want.churned, want.multi, want.wonBack, want.otherCurrency])
      expect(figure).toBeGreaterThan(0);

    expect(lifecycle).toMatchObject({
      settings: { activation_days: ACTIVATION_DAYS, dormant_days: DORMANT_DAYS, referral_param: 'ref', currency: 'USD' },
      new_customers: want.fresh,
      activated: want.activated,
      customers: want.customers,
      churned: want.churned,
      multi_product_customers: want.multi,
      won_back: want.wonBack,
    });
    expect(lifecycle.activation_rate).toBeCloseTo(want.activated / want.fresh, 10);
    expect(lifecycle.time_to_activation_days).toBeCloseTo(want.middle!, 10);
    expect(lifecycle.churn_rate).toBeCloseTo(want.churned / want.customers, 10);
    expect(lifecycle.cross_sell_rate).toBeCloseTo(want.multi / want.customers, 10);
    expect(lifecycle.winback_rate).toBeCloseTo(want.wonBack / (want.wonBack + want.churned), 10);
    expect(Object.fromEntries(lifecycle.winback_offers.map((w) => [String(w.offer), w.won_back]))).toEqual(want.winOffers);
    expect(
      lifecycle.retention.map(({ cohort, customers, months }) => ({
        cohort,
        customers,
        months: months.map(({ month, active }) => ({ month, active })),
      })),
    ).toEqual(want.retention);
    for (const cohort of lifecycle.retention)
      for (const m of cohort.months) expect(m.rate).toBeCloseTo(m.active / cohort.customers, 10);
    expect(Object.fromEntries(lifecycle.cross_sell_conversions.map((c) => [c.offer, c.conversions]))).toEqual(want.crossSells);
    expect(Object.fromEntries(lifecycle.referrals.by_referrer.map(({ referrer, ...counts }) => [referrer, counts]))).toEqual(
      want.byReferrer,
    );
    const referred = Object.values(want.byReferrer);
    expect(lifecycle.referrals).toMatchObject({
      visitors: referred.reduce((s, r) => s + r.visitors, 0),
      leads: referred.reduce((s, r) => s + r.leads, 0),
      customers: referred.reduce((s, r) => s + r.customers, 0),
    });
    expect(lifecycle.clv).toMatchObject({
      customers: want.customers,
      revenue: want.revenue,
      other_currency_events: want.otherCurrency,
    });
    expect(lifecycle.clv.clv).toBeCloseTo(want.revenue / want.customers, 10);
    expect(
      Object.fromEntries(
        lifecycle.clv.by_channel.map((c) => [`${c.source}/${c.medium}`, { customers: c.customers, revenue: c.revenue }]),
      ),
    ).toEqual(want.clvChannels);
    const leads = Object.values(want.leadsBy).reduce((s, n) => s + n, 0);
    expect(lifecycle.cost_per_lead).toMatchObject({ spend: 2500, leads });
    expect(lifecycle.cost_per_lead.cost_per_lead).toBeCloseTo(2500 / leads, 10);
    const google = lifecycle.cost_per_lead.by_channel.find((c) => c.source === 'google')!;
    expect(google).toMatchObject({ spend: 2000, leads: want.leadsBy['google/cpc'] });
    expect(google.cost_per_lead).toBeCloseTo(2000 / want.leadsBy['google/cpc'], 10);
  });
});

function exportsPut(path: string, body: unknown): Promise<Response> {
  return exports.default.fetch(
    new Request(`https://nextbest.test${path}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }),
  );
}

describe('person snapshots', () => {
  it('are written once per batch per person, the newest, whatever order the messages come in', async () => {
    const ph = `ph_snapshot_${Date.now()}`;
    const at = Date.UTC(2026, 6, 1, 9);
    // Four events of one person, newest first: the lead stage comes with the third.
    const messages: QueuedEvent[] = [4, 3, 2, 1].map((version) => ({
      site: 'demo',
      vid: 'snapshot-visitor',
      vh: ph,
      at: at + version,
      event: { id: `snap_${ph}_${version}`, ts: at + version, type: 'page', url: 'https://demo.example/rates' },
      person: {
        ph,
        version,
        ...(version >= 3 ? { lead_at: at + 3 } : {}),
        products: [],
        was_customer: false,
        customer: false,
        active: true,
      },
    }));
    const prepared: string[] = [];
    // The real database, with the SQL of each statement prepared noted on the way.
    const db = Object.assign(Object.create(env.DB) as D1Database, {
      prepare: (sql: string) => (prepared.push(sql), env.DB.prepare(sql)),
      batch: (statements: D1PreparedStatement[]) => env.DB.batch(statements),
    });
    const batch = createMessageBatch<QueuedEvent>(
      'nextbest-events',
      messages.map((body, i) => ({ id: `snap-${i}`, timestamp: new Date(body.at), attempts: 1, body })),
    );
    await consumeEvents(batch, { ...env, DB: db });
    expect(prepared.filter((sql) => sql.includes('INSERT INTO people')).length).toBe(1);
    const row = await env.DB.prepare('SELECT version, lead_at FROM people WHERE site = ? AND vh = ?').bind('demo', ph).first();
    expect(row).toEqual({ version: 4, lead_at: at + 3 });
    // Every event counted all the same.
    const seen = await env.DB.prepare('SELECT count(*) AS n FROM seen_events WHERE site = ? AND vh = ?')
      .bind('demo', ph)
      .first('n');
    expect(seen).toBe(4);
  });
});
