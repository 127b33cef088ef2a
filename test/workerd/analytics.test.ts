import { describe, expect, it, vi } from 'vitest';
import { env } from 'cloudflare:workers';
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { consumeEvents, retryDelaySeconds } from '../../worker/analytics/consumer';
// Seeded (mulberry32), so the generated data are the same on every run.
import { seededRandom as seeded } from '../../worker/engine/hash';
import { eraseVisitorRows } from '../../worker/analytics/erase';
import { writeMemberships, type MembershipChange } from '../../worker/audiences/members';
import type { Kpis } from '../../worker/schema/stats';
import type { QueuedEvent } from '../../worker/analytics/message';
import type { Event } from '../../worker/schema/events';
import type { ErrorBody } from '../../worker/schema/errors';
import { get } from './helpers';

const DAY = 86_400_000;
const MINUTE = 60_000;
// Each test writes its own month of March, April, May 2026: the tests of a file share one database.
const start = (month: number) => Date.UTC(2026, month - 1, 1, 8);
const range = (month: number) => `from=2026-0${month}-01&to=2026-0${month}-07`;
const STEPS = 4;

type EventBody = { [K in Event['type']]: Omit<Extract<Event, { type: K }>, 'id' | 'ts'> }[Event['type']];

interface Expected {
  pageViews: number;
  visitorDays: Set<string>;
  visitors: Set<string>;
  sessions: number;
  bounced: number;
  reached: number[];
  submitted: number;
  abandoned: number;
  offers: Record<string, { impressions: number; clicks: number; conversions: number; exposed: number; goal: number }>;
  stages: Record<string, number>;
  leads: number;
  converted: number;
  /** Leads and converted leads per first-touch "source/medium" ("null/null" for none). */
  channels: Record<string, { leads: number; converted: number }>;
}

/** Visitors with sessions of page views, some through the application form, some shown an offer. */
function generate(month: number, visitors: number, seed: number): { messages: QueuedEvent[]; expected: Expected } {
  const random = seeded(seed);
  const pick = (n: number) => Math.floor(random() * n);
  const messages: QueuedEvent[] = [];
  const expected: Expected = {
    pageViews: 0,
    visitorDays: new Set(),
    visitors: new Set(),
    sessions: 0,
    bounced: 0,
    reached: Array(STEPS).fill(0),
    submitted: 0,
    abandoned: 0,
    offers: {},
    stages: {},
    leads: 0,
    converted: 0,
    channels: {},
  };
  let serial = 0;
  for (let v = 0; v < visitors; v++) {
    const vid = `vid_${seed}_${String(v).padStart(5, '0')}`;
    const useSid = v % 2 === 0;
    const day = pick(7);
    let at = start(month) + day * DAY + pick(120) * MINUTE;
    const push = (event: EventBody, extra: Partial<QueuedEvent> = {}) => {
      const id = `ev_${seed}_${String(serial++).padStart(7, '0')}`;
      messages.push({ site: 'demo', vid, at, event: { ...event, id, ts: at } as Event, ...extra });
      expected.visitorDays.add(`${vid}@${new Date(at).toISOString().slice(0, 10)}`);
      expected.visitors.add(vid);
    };
    const sessions = 1 + pick(3);
    // Each session may land from a tagged link; the first one that does is the visitor's first touch.
    let firstTouch = 'null/null';
    for (let s = 0; s < sessions; s++) {
      const pages = random() < 0.55 ? 1 : 2 + pick(4);
      const [source, medium] = [['google', 'cpc'], ['newsletter', 'email'], ['facebook', 'social'], []][pick(4)];
      if (source && firstTouch === 'null/null') firstTouch = `${source}/${medium}`;
      expected.sessions += 1;
      if (pages === 1) expected.bounced += 1;
      for (let p = 0; p < pages; p++) {
        const utm = p === 0 && source ? `?utm_source=${source}&utm_medium=${medium}` : '';
        push(
          { type: 'page', url: `https://demo.example/${['', 'rates', 'calculator', 'apply'][pick(4)]}${utm}` },
          useSid ? { sid: `sid_${vid}_${s}` } : {},
        );
        expected.pageViews += 1;
        at += (1 + pick(20)) * MINUTE;
      }
      at += (31 + pick(60)) * MINUTE; // more than 30 idle minutes: the next page starts a session
    }
    // A third are offered the finish-app banner: 20% held out, the rest split between a and b.
    let exposed: string | undefined;
    if (random() < 0.33) {
      const roll = random();
      exposed = roll < 0.2 ? 'holdout' : roll < 0.6 ? 'a' : 'b';
      const offers = [
        { offer: 'finish-app', holdout: exposed === 'holdout', ...(exposed === 'holdout' ? {} : { variant: exposed }) },
      ];
      push({ type: 'track', name: 'decision_seen' }, { offers });
      const arm = (expected.offers[exposed] ??= { impressions: 0, clicks: 0, conversions: 0, exposed: 0, goal: 0 });
      arm.exposed += 1;
      if (exposed !== 'holdout') {
        push({ type: 'offer', offer: 'finish-app', variant: exposed, action: 'impression' });
        arm.impressions += 1;
        if (random() < 0.3) {
          push({ type: 'offer', offer: 'finish-app', variant: exposed, action: 'click' });
          arm.clicks += 1;
          if (random() < 0.5) {
            push({ type: 'offer', offer: 'finish-app', variant: exposed, action: 'convert' });
            arm.conversions += 1;
          }
        }
      }
      at += MINUTE;
    }
    if (random() < 0.4) {
      const furthest = 1 + pick(STEPS);
      push(
        { type: 'form', form: 'mortgage-app', action: 'start', step: 1, steps: STEPS, step_name: 'about-you' },
        { stage: { from: 'engaged', to: 'lead' } },
      );
      expected.stages.lead = (expected.stages.lead ?? 0) + 1;
      expected.leads += 1;
      const channel = (expected.channels[firstTouch] ??= { leads: 0, converted: 0 });
      channel.leads += 1;
      for (let step = 2; step <= furthest; step++) {
        at += MINUTE;
        push({ type: 'form', form: 'mortgage-app', action: 'step', step, steps: STEPS });
      }
      for (let step = 1; step <= furthest; step++) expected.reached[step - 1] += 1;
      at += MINUTE;
      if (furthest === STEPS && random() < 0.7) {
        push(
          { type: 'form', form: 'mortgage-app', action: 'submit', step: STEPS, steps: STEPS },
          { stage: { from: 'lead', to: 'customer' } },
        );
        expected.submitted += 1;
        expected.stages.customer = (expected.stages.customer ?? 0) + 1;
        expected.converted += 1;
        channel.converted += 1;
        if (exposed) expected.offers[exposed].goal += 1;
      } else {
        push({ type: 'form', form: 'mortgage-app', action: 'abandon', step: furthest, steps: STEPS });
        expected.abandoned += 1;
      }
    }
  }
  return { messages, expected };
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
const queueBatch = (bodies: QueuedEvent[], attempts = 1) =>
  createMessageBatch<QueuedEvent>(
    'nextbest-events',
    bodies.map((body) => ({ id: `msg-${batchSerial++}`, timestamp: new Date(body.at), attempts, body })),
  );

async function deliver(bodies: QueuedEvent[], size: number, db: D1Database = env.DB) {
  for (let i = 0; i < bodies.length; i += size) await consumeEvents(queueBatch(bodies.slice(i, i + size)), { ...env, DB: db });
}

/** env.DB whose `batch` fails on the calls listed (1-based), as if the database went away. */
function failingOn(failing: number[]): { db: D1Database; calls: () => number } {
  let calls = 0;
  const db = new Proxy(env.DB, {
    get(target, key) {
      if (key === 'batch') {
        return async (statements: D1PreparedStatement[]) => {
          if (failing.includes(++calls)) throw new Error('D1 unavailable');
          return target.batch(statements);
        };
      }
      const value = Reflect.get(target, key);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { db, calls: () => calls };
}

async function statsOf(query: string): Promise<Kpis> {
  const response = await get(`/v1/stats/demo?${query}`);
  expect(response.status).toBe(200);
  return response.json<Kpis>();
}

/** Rates equal to 10 digits, and null where the expected one is. */
function expectClose(actual: Array<number | null>, expected: Array<number | null>) {
  expect(actual.map((value) => (value === null ? null : Number(value.toFixed(10))))).toEqual(
    expected.map((value) => (value === null ? null : Number(value.toFixed(10)))),
  );
}

/** The rollups, read back through the stats endpoint, equal the counts of the generated events. */
function expectExact(kpis: Kpis, expected: Expected) {
  expect(kpis.traffic).toMatchObject({
    page_views: expected.pageViews,
    visitors: expected.visitorDays.size,
    unique_visitors: expected.visitors.size,
    sessions: expected.sessions,
    bounced_sessions: expected.bounced,
  });
  const [form] = kpis.forms!;
  expect(form.steps.map((step) => step.reached)).toEqual(expected.reached);
  expect(form).toMatchObject({
    form: 'mortgage-app',
    started: expected.reached[0],
    submitted: expected.submitted,
    abandoned: expected.abandoned,
  });
  expect(form.steps[0].name).toBe('about-you');
  const share = (part: number, whole: number) => (whole > 0 ? part / whole : null);
  const next = (step: number) => (step + 1 < STEPS ? expected.reached[step + 1] : expected.submitted);
  expectClose(
    form.steps.map((step) => step.drop_off),
    expected.reached.map((reached, step) => (reached > 0 ? 1 - next(step) / reached : null)),
  );
  expectClose([form.completion_rate], [share(expected.submitted, expected.reached[0])]);
  const [offer] = kpis.offers!;
  const arms = Object.fromEntries([...offer.arms, offer.holdout!].map((arm) => [arm.arm, arm]));
  for (const [arm, counts] of Object.entries(expected.offers)) {
    expect(arms[arm], arm).toMatchObject({
      impressions: counts.impressions,
      clicks: counts.clicks,
      conversions: counts.conversions,
      exposed: counts.exposed,
      goal_visitors: counts.goal,
    });
    expectClose(
      [arms[arm].cvr, arms[arm].goal_rate],
      [share(counts.conversions, counts.clicks), share(counts.goal, counts.exposed)],
    );
  }
  expect(kpis.stages?.entered.find((s) => s.stage === 'lead')?.visitors).toBe(expected.stages.lead);
  expect(kpis.stages?.entered.find((s) => s.stage === 'customer')?.visitors).toBe(expected.stages.customer);
  expect(kpis.stages).toMatchObject({ leads: expected.leads, converted_leads: expected.converted });
  expect(
    Object.fromEntries(
      kpis.stages!.by_channel.map((c) => [`${c.source}/${c.medium}`, { leads: c.leads, converted: c.converted_leads }]),
    ),
  ).toEqual(expected.channels);
}

describe('analytics rollups', () => {
  it('equal the raw counts of a generated event set, delivered out of order with duplicates', async () => {
    const { messages, expected } = generate(3, 300, 1);
    const redelivered = shuffled(messages, 2).filter((_, i) => i % 5 === 0);
    // Duplicates in later batches and within one batch, as at-least-once delivery may hand them out.
    await deliver(shuffled([...messages, ...redelivered, ...redelivered.slice(0, 10)], 3), 100);
    await deliver(redelivered, 50);
    const kpis = await statsOf(range(3));
    expectExact(kpis, expected);
    expect(kpis.traffic!.bounce_rate).toBeCloseTo(expected.bounced / expected.sessions, 10);
    expect(kpis.stages!.lead_to_customer_pct).toBeCloseTo((expected.converted * 100) / expected.leads, 10);
    const [offer] = kpis.offers!;
    // The demo's finish-app holds visitors out with the default mode: its lift is against the runner-up.
    expect(offer.lift_against).toBe('next_best');
    const a = offer.arms.find((arm) => arm.arm === 'a')!;
    expect(a.ctr).toBeCloseTo(a.clicks / a.impressions, 10);
    expect(a.lift?.method).toBe('newcombe-hybrid-score-95');
    expect(a.lift!.low).toBeLessThanOrEqual(a.lift!.difference);
    expect(a.lift!.high).toBeGreaterThanOrEqual(a.lift!.difference);
  });

  it('retries only the chunk the database failed, later each attempt, and loses nothing', async () => {
    const { messages, expected } = generate(4, 150, 4);
    // Three chunks or more, with copies of some messages later in the same batch (at-least-once).
    const first = messages.slice(0, 300);
    const copies = first.map((_, i) => i).filter((i) => i % 7 === 3);
    const batch = queueBatch([...first, ...copies.map((i) => first[i])], 3);
    // getQueueResult does not report delays: read them off the calls.
    const retries = batch.messages.map((message) => vi.spyOn(message, 'retry'));
    const flaky = failingOn([2]);
    await consumeEvents(batch, { ...env, DB: flaky.db });
    const result = await getQueueResult(batch, createExecutionContext());
    const retriedIds: string[] = result.retryMessages.map((m: { msgId: string }) => m.msgId);

    // The chunks after the failed one were still written.
    expect(flaky.calls()).toBeGreaterThanOrEqual(3);
    const index = new Map(batch.messages.map((m, i) => [m.id, i < first.length ? i : copies[i - first.length]]));
    const retried = retriedIds.map((id) => index.get(id)!);
    const failedChunk = new Set(retried);
    const [low, high] = [Math.min(...failedChunk), Math.max(...failedChunk)];
    expect(low).toBeGreaterThan(0);
    expect(high).toBeLessThan(first.length - 1);
    expect(failedChunk.size).toBe(high - low + 1);
    // A copy goes with its original's chunk: acknowledged alone, it would have been lost.
    expect(retried.length).toBe(failedChunk.size + copies.filter((i) => failedChunk.has(i)).length);
    expect(retries.flatMap((spy) => spy.mock.calls)).toEqual(retried.map(() => [{ delaySeconds: 20 }]));
    expect(result.explicitAcks.length + retriedIds.length).toBe(batch.messages.length);

    // The queue redelivers the retried messages only; then the rest of the traffic arrives.
    await consumeEvents(
      queueBatch(
        batch.messages.filter((m) => retriedIds.includes(m.id)).map((m) => m.body),
        4,
      ),
      env,
    );
    await deliver(messages.slice(first.length), 100);

    expectExact(await statsOf(range(4)), expected);
  });

  it.each([
    [1, 5],
    [2, 10],
    [7, 320],
    [8, 600],
    [20, 600],
  ])('waits %i attempts → %i s before the next', (attempts, seconds) => {
    expect(retryDelaySeconds(attempts)).toBe(seconds);
  });

  it("counts an exposed visitor's submission toward the goal rate only within the range", async () => {
    const exposedAt = Date.UTC(2026, 6, 7, 22);
    const submittedAt = exposedAt + 4 * 60 * MINUTE; // on 8 July
    const visitor = { site: 'demo', vid: 'vid_goal_after_range' };
    const message = (at: number, event: EventBody, extra: Partial<QueuedEvent> = {}): QueuedEvent => ({
      ...visitor,
      at,
      event: { ...event, id: `ev_goal_${at}`, ts: at } as Event,
      ...extra,
    });
    await deliver(
      [
        message(
          exposedAt,
          { type: 'page', url: 'https://demo.example/' },
          { offers: [{ offer: 'finish-app', variant: 'a', holdout: false }] },
        ),
        message(submittedAt, { type: 'form', form: 'mortgage-app', action: 'submit', step: 4, steps: 4 }),
      ],
      100,
    );
    const armA = async (to: string) => (await statsOf(`from=2026-07-01&to=${to}&metric=offers`)).offers![0].arms[0];
    expect(await armA('2026-07-07')).toMatchObject({ arm: 'a', exposed: 1, goal_visitors: 0, goal_rate: 0 });
    expect(await armA('2026-07-08')).toMatchObject({ arm: 'a', exposed: 1, goal_visitors: 1, goal_rate: 1 });
  });

  it('erases the visitor-keyed rows of one visitor and keeps the others', async () => {
    const { messages } = generate(5, 20, 5);
    await deliver(messages, 100);
    const before = await statsOf(range(5));
    const vid = messages[0].vid;
    const erased = await eraseVisitorRows(env.DB, 'demo', vid);
    expect(erased).toBeGreaterThan(messages.filter((m) => m.vid === vid).length);
    const after = await statsOf(range(5));
    expect(after.traffic!.unique_visitors).toBe(before.traffic!.unique_visitors - 1);
    const left = await env.DB.prepare("SELECT COUNT(*) AS n FROM seen_events WHERE day LIKE '2026-05-%'").first<{ n: number }>();
    expect(left?.n).toBe(messages.length - messages.filter((m) => m.vid === vid).length);
  });
});

describe('audience sizes over time', () => {
  // August 2026, written through the mirror's own writer, as the visitors' objects write it.
  const at = (day: number, hour = 12) => Date.UTC(2026, 7, day, hour);
  const member = (vid: string, joined: number, expires: number, left?: number): MembershipChange => ({
    site: 'demo',
    audience: 'mortgage_abandoners',
    vid,
    uid: null,
    member: { joined, expires, ...(left === undefined ? {} : { left }) },
  });
  const daily = async () =>
    (await statsOf('from=2026-08-01&to=2026-08-07&metric=audiences')).audiences!.find(
      (a) => a.audience === 'mortgage_abandoners',
    )!.daily;

  it('counts joins, leaves and expiry on the days they happen, and members at the end of each day', async () => {
    await writeMemberships(env.DB, [
      member('aud_expires', at(1, 10), at(5, 10)), // joined on the 1st, expired on the 5th
      member('aud_leaves', at(2), at(30), at(3)), // left early (exit condition) on the 3rd
      member('aud_stays', at(3), at(40)),
      member('aud_same_day', at(6, 9), at(40), at(6, 17)), // in and out on the 6th
      member('aud_extended', at(4), at(7, 6)), // matched again on the 5th: expiry moved out
    ]);
    await writeMemberships(env.DB, [member('aud_extended', at(4), at(35))]);
    expect(await daily()).toEqual([
      { day: '2026-08-01', size: 1, joins: 1, leaves: 0 },
      { day: '2026-08-02', size: 2, joins: 1, leaves: 0 },
      { day: '2026-08-03', size: 2, joins: 1, leaves: 1 },
      { day: '2026-08-04', size: 3, joins: 1, leaves: 0 },
      { day: '2026-08-05', size: 2, joins: 0, leaves: 1 },
      { day: '2026-08-06', size: 2, joins: 1, leaves: 1 },
      { day: '2026-08-07', size: 2, joins: 0, leaves: 0 },
    ]);
  });

  it('rewrites past days when a member leaves and joins again: the mirror keeps the latest membership only', async () => {
    const before = await daily();
    await writeMemberships(env.DB, [member('aud_rejoins', at(1), at(30), at(2))]);
    const left = await daily();
    expect(left.map((d) => d.size - before.find((b) => b.day === d.day)!.size)).toEqual([1, 0, 0, 0, 0, 0, 0]);
    // Joined again on the 5th: the row now says "joined on the 5th", so the 1st no longer shows
    // that membership, nor its join or its leave on the 2nd.
    await writeMemberships(env.DB, [member('aud_rejoins', at(5), at(35))]);
    const rejoined = await daily();
    expect(rejoined.map((d) => d.size - before.find((b) => b.day === d.day)!.size)).toEqual([0, 0, 0, 0, 1, 1, 1]);
    expect(rejoined.map((d) => d.joins - before.find((b) => b.day === d.day)!.joins)).toEqual([0, 0, 0, 0, 1, 0, 0]);
    expect(rejoined.map((d) => d.leaves)).toEqual(before.map((d) => d.leaves));
  });
});

describe('GET /v1/stats/:site', () => {
  it('needs the API key', async () => {
    expect((await get('/v1/stats/demo', null)).status).toBe(401);
    expect((await get('/v1/stats/demo', 'not-a-key')).status).toBe(401);
  });

  it.each([
    ['from=2026-13-01', 'from'],
    ['from=yesterday', 'from'],
    ['from=2026-03-08&to=2026-03-01', 'from'],
    ['from=2024-01-01&to=2026-03-01', 'to'],
    ['metric=visitors,nonsense', 'metric[0]'],
    ['limit=5', '(root)'],
  ])('answers 400 with the path for %s', async (query, path) => {
    const response = await get(`/v1/stats/demo?${query}`);
    expect(response.status).toBe(400);
    const { error } = await response.json<ErrorBody>();
    expect(error.code).toBe('invalid_request');
    expect(error.path).toBe(path);
    expect(error.message).toMatch(new RegExp(`^${path.replace(/[[\]()]/g, '\\$&')}: `));
  });

  it('answers 404 for a site without rules', async () => {
    const response = await get('/v1/stats/no-such-site');
    expect(response.status).toBe(404);
    expect((await response.json<ErrorBody>()).error).toMatchObject({ code: 'unknown_site', path: 'site' });
  });

  it('answers every section with zeros and nulls for a range without data', async () => {
    const kpis = await statsOf('from=2020-01-01&to=2020-01-03');
    expect(kpis).toMatchObject({ site: 'demo', from: '2020-01-01', to: '2020-01-03', forms: [], offers: [] });
    expect(kpis.traffic).toMatchObject({ visitors: 0, page_views: 0, sessions: 0, bounce_rate: null });
    expect(kpis.traffic!.daily.map((d) => d.day)).toEqual(['2020-01-01', '2020-01-02', '2020-01-03']);
    expect(kpis.stages).toMatchObject({ leads: 0, converted_leads: 0, lead_to_customer_pct: null });
    // Funnel order, lapsed stages last: the rules list the most advanced first.
    expect(kpis.stages!.entered.map((s) => s.stage)).toEqual([
      'anonymous',
      'engaged',
      'lead',
      'applicant',
      'customer',
      'dormant',
    ]);
    expect(kpis.stages!.lead_stages).toEqual(['customer', 'applicant', 'lead']);
    expect(kpis.audiences!.map((a) => a.audience)).toEqual(['mortgage_abandoners', 'rate_shoppers']);
  });

  it('answers only the sections asked for, the last 30 days by default', async () => {
    const kpis = await statsOf('metric=traffic,offers');
    expect(Object.keys(kpis).sort()).toEqual(['from', 'offers', 'site', 'slots', 'timezone', 'to', 'traffic']);
    expect(kpis.traffic!.daily).toHaveLength(30);
    expect(kpis.to).toBe(new Date().toISOString().slice(0, 10));
  });
});

describe('GET /dashboard', () => {
  it('asks for the key without one, and refuses a wrong one', async () => {
    const none = await get('/dashboard', null);
    expect(none.status).toBe(401);
    expect(await none.text()).toContain('name="key"');
    expect((await get('/dashboard', 'wrong')).status).toBe(401);
  });

  it('renders the KPIs with a key in the header, under a CSP that allows only its stylesheet', async () => {
    const { messages } = generate(6, 40, 6);
    await deliver(messages, 100);
    const response = await get('/dashboard?from=2026-06-01&to=2026-06-07');
    expect(response.status).toBe(200);
    const csp = response.headers.get('content-security-policy')!;
    expect(csp).toMatch(/default-src 'none'; style-src 'nonce-[0-9a-f]{32}'/);
    const page = await response.text();
    expect(page).toContain(`<style nonce="${csp.match(/nonce-([0-9a-f]+)/)![1]}">`);
    for (const chart of ['visitors', 'funnel-mortgage-app', 'dropoff-mortgage-app', 'lift-finish-app'])
      expect(page).toContain(`data-chart="${chart}"`);
    expect(page).not.toMatch(/<script|\son[a-z]+=/i);
  });

  it('says what to do when there is no data', async () => {
    const page = await (await get('/dashboard?from=2020-01-01&to=2020-01-02')).text();
    expect(page).toContain('Paste the tag');
    expect(page).toContain('data-nb-form');
    expect(page).toContain('Write offers');
  });

  it('answers 400 for a bad date', async () => {
    expect((await get('/dashboard?from=nope')).status).toBe(400);
  });

  it('shows a reversed range from the picker on the page, with the dates to fix', async () => {
    const response = await get('/dashboard?from=2026-03-08&to=2026-03-01');
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const page = await response.text();
    expect(page).toContain('That range cannot be shown:</b> from must not be after to (2026-03-01)');
    expect(page).toContain('name="from" value="2026-03-08"');
    expect(page).toContain('name="to" value="2026-03-01"');
    expect(page).not.toContain('data-section="traffic"');
  });
});
