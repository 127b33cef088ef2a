// Simulated visitors for load and fault runs: each visitor sends its events in batches one after
// another, as a browser does, retrying a failed batch with backoff (as the snippet does) until the
// worker takes it. Afterwards every profile is read back and checked against what was sent and
// against an offline replay of the same events through the engine; what it holds, with the offers
// the answers decided, is the truth the analytics rollups are checked against (rollups.ts).
import { randomUUID } from 'node:crypto';
import type { Event } from '../../worker/schema/events';
import type { CollectResponse } from '../../worker/schema/collect';
import type { Profile } from '../../worker/schema/profile';
import { applyEvent, newVisitor } from '../../worker/engine';
import { seededRandom } from '../../worker/engine/hash';
import { demoRules } from '../unit/helpers';
import { armOf } from '../../worker/analytics/rollup-keys';
import { visitorTruth, type VisitorTruth } from './rollups';

export interface LoadOptions {
  url: () => string;
  apiKey: string;
  visitors: number;
  eventsPerVisitor: number;
  concurrency: number;
  /** Send every batch twice. */
  duplicate?: boolean;
  /** Swap some neighbouring batches, so they arrive out of order. */
  reorder?: boolean;
  /** Client clocks off by up to this many hours either way. */
  skewHours?: number;
  /** Called once when half the batches are sent (e.g. to restart the worker). */
  midway?: () => Promise<void>;
  /** A visitor's pause between batches (ms), as a person's between pages; none unless given. */
  paceMs?: number;
  /** No batch is started after this many seconds; what was sent by then is checked. */
  maxSeconds?: number;
  seed?: number;
  /**
   * Send the same batches to the bench's Durable Object floor (test/bench/peers/floor.ts: the body
   * read, one object per visitor writing one row) instead of collect: throughput only, nothing checked.
   */
  floor?: boolean;
}

/** The profile shows a visitor's last 50 events, which the check reads back. */
export const MAX_EVENTS_PER_VISITOR = 50;
/** Attempts before a batch is given up (a minute or so of backoff). */
const ATTEMPTS = 40;
const REQUEST_TIMEOUT_MS = 10_000;
/** Slack for the worker's clock, which stands still while a request computes. */
const CLOCK_TOLERANCE_MS = 1_000;

export interface LoadReport {
  batches: number;
  events: number;
  requests: number;
  retries: number;
  /** Failed attempts by kind (`HTTP 503`, `TypeError`…), each then retried. */
  errors: Record<string, number>;
  /** Batches given up after every attempt failed; their visitors cannot be checked. */
  abandonedBatches: number;
  /** Batches not started because maxSeconds ran out. */
  unsentBatches: number;
  seconds: number;
  latencies: number[];
  lost: number;
  doubled: number;
  scoreMismatches: number;
  /** Stored event times that are not the client's time corrected by its clock's offset. */
  clockMismatches: number;
  problems: string[];
  /** Each visitor whose profile matched what was sent, for the rollup check (test/system/rollups.ts). */
  truth: VisitorTruth[];
}

const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';

const id = () => randomUUID().replaceAll('-', '');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function visitorEvents(count: number, random: () => number, ts: number): Event[] {
  const pages = ['/', '/rates.html', '/calculator.html', '/apply.html'];
  return Array.from({ length: count }, (_, i): Event => {
    const roll = random();
    const at = ts + i * 1000;
    if (roll < 0.5)
      return { id: id(), ts: at, type: 'page', url: `https://demo.example${pages[Math.floor(random() * pages.length)]}` };
    if (roll < 0.75) {
      // Some leave the application (which makes finish-app, with its variants and holdout, eligible),
      // a few submit it.
      const step = 1 + Math.floor(random() * 4);
      const outcome = random();
      const action = outcome < 0.15 ? 'abandon' : outcome < 0.22 ? 'submit' : step === 1 ? 'start' : 'step';
      return { id: id(), ts: at, type: 'form', form: 'mortgage-app', action, step, steps: 4 };
    }
    if (roll < 0.9)
      return { id: id(), ts: at, type: 'offer', offer: 'welcome-back', action: random() < 0.7 ? 'impression' : 'click' };
    return { id: id(), ts: at, type: 'track', name: 'calculator_used', props: { loan_bucket: '300-400k' } };
  });
}

function intoBatches<T>(items: T[], random: () => number): T[][] {
  const batches: T[][] = [];
  for (let i = 0; i < items.length;) {
    const size = 1 + Math.floor(random() * 10);
    batches.push(items.slice(i, i + size));
    i += size;
  }
  return batches;
}

interface Batch {
  /** The browser session: a visitor's later batches come from a second one. */
  sid: string;
  events: Event[];
  /** When the first attempt to send it started (this machine's clock, which the worker shares). */
  firstTried?: number;
}

interface Plan {
  vid: string;
  skew: number;
  /** Each batch once, in the order sent. */
  batches: Batch[];
  sends: Batch[];
  /** The batches the worker acknowledged. */
  taken: Set<Batch>;
  /** A batch was given up: what the worker holds of it is unknown. */
  gaveUp: boolean;
  /** Every `offer/arm` decided for the hero slot in answers to batches with new events (held out included). */
  decided: Set<string>;
}

function plan(options: LoadOptions, random: () => number): Plan[] {
  return Array.from({ length: options.visitors }, (_, v) => {
    const skew = options.skewHours ? Math.round((random() * 2 - 1) * options.skewHours * 3_600_000) : 0;
    // From the seed, like the events: which visitors the offers' holdouts take is then the same every run.
    const vid = `load-${options.seed ?? 42}-${v}`;
    const batches = intoBatches(visitorEvents(options.eventsPerVisitor, random, Date.now() + skew), random).map(
      (events, i, all): Batch => ({ sid: `${vid}-s${i < all.length / 2 ? 1 : 2}`, events }),
    );
    if (options.reorder) {
      for (let i = 0; i + 1 < batches.length; i += 2)
        if (random() < 0.3) [batches[i], batches[i + 1]] = [batches[i + 1], batches[i]];
    }
    const sends = options.duplicate ? batches.flatMap((batch) => [batch, batch]) : batches;
    return { vid, skew, batches, sends, taken: new Set(), gaveUp: false, decided: new Set() };
  });
}

/** The events of the acknowledged batches, in the order the worker first saw them. */
const arrivalOf = (visitor: Plan) => visitor.batches.filter((batch) => visitor.taken.has(batch)).flatMap((batch) => batch.events);

/** Session ids of the acknowledged batches with a page view. */
const sessionsOf = (visitor: Plan) =>
  new Set(
    visitor.batches
      .filter((batch) => visitor.taken.has(batch) && batch.events.some((event) => event.type === 'page'))
      .map((batch) => batch.sid),
  );

async function sendUntilTaken(options: LoadOptions, visitor: Plan, batch: Batch, report: LoadReport): Promise<void> {
  const { vid, skew } = visitor;
  const { sid, events } = batch;
  batch.firstTried ??= Date.now();
  for (let attempt = 1; ; attempt++) {
    const started = performance.now();
    try {
      report.requests++;
      const response = await fetch(`${options.url()}${options.floor ? '/bench/floor/write' : '/v1/collect'}`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain', 'user-agent': USER_AGENT },
        body: JSON.stringify({ site: 'demo', vid, sid, sent_at: Date.now() + skew, slots: ['hero'], events }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      if (!response.ok) {
        countError(report, `HTTP ${response.status}`);
        await response.body?.cancel();
      } else {
        visitor.taken.add(batch);
        report.latencies.push(performance.now() - started);
        // Read to the end, as the worker's answer is: a cancelled body closes the connection.
        if (options.floor) return void (await response.arrayBuffer());
        const body = (await response.json()) as CollectResponse;
        if (body.rejected.length > 0) report.problems.push(`${vid}: rejected ${JSON.stringify(body.rejected)}`);
        // The visitor's object queues a decision's exposures with the batch's last new event, so
        // only answers to batches with new events expose (a resent batch's answer does not).
        if (body.duplicates < events.length)
          for (const offer of body.decisions.offers) visitor.decided.add(`${offer.offer}/${armOf(offer.variant, offer.holdout)}`);
        return;
      }
    } catch (error) {
      // the worker is down or restarting: retry like the snippet's outbox
      countError(report, error instanceof Error ? error.name : 'error');
    }
    if (attempt === ATTEMPTS) {
      visitor.gaveUp = true;
      report.abandonedBatches++;
      report.problems.push(`${vid}: a batch was not taken after ${attempt} attempts`);
      return;
    }
    report.retries++;
    await sleep(Math.min(100 * 2 ** attempt, 2000));
  }
}

function countError(report: LoadReport, kind: string): void {
  report.errors[kind] = (report.errors[kind] ?? 0) + 1;
}

/** Replays what the worker saw through the engine, offline, with the worker's corrected times. */
function replay(profile: Profile, arrival: Event[]) {
  const rules = demoRules;
  const at = new Map(profile.recent.map((row) => [row.id, row.at]));
  const state = newVisitor(profile.vid, Math.min(...profile.recent.map((row) => row.received)));
  for (const event of arrival) applyEvent(rules, state, event, at.get(event.id)!, { device: 'desktop' });
  return state;
}

async function check(options: LoadOptions, visitor: Plan, report: LoadReport): Promise<void> {
  if (visitor.gaveUp) return;
  const arrival = arrivalOf(visitor);
  const response = await fetch(`${options.url()}/v1/profile/demo/${visitor.vid}`, {
    headers: { authorization: `Bearer ${options.apiKey}` },
  });
  if (!response.ok) {
    report.lost += arrival.length;
    report.problems.push(`${visitor.vid}: profile answered ${response.status}`);
    return;
  }
  const profile = (await response.json()) as Profile;
  const stored = new Set(profile.recent.map((row) => row.id));
  const missing = arrival.filter((event) => !stored.has(event.id)).length;
  report.lost += missing;
  report.doubled += Math.max(0, profile.state.counters.events - arrival.length);
  if (missing || profile.events !== arrival.length) {
    report.problems.push(`${visitor.vid}: sent ${arrival.length}, stored ${profile.events}, missing ${missing}`);
    return;
  }
  checkClock(visitor, profile, report);
  report.truth.push(visitorTruth(profile, sessionsOf(visitor), visitor.decided));
  const expected = replay(profile, arrival);
  if (JSON.stringify(expected.score) !== JSON.stringify(profile.state.score)) {
    report.scoreMismatches++;
    report.problems.push(
      `${visitor.vid}: score ${JSON.stringify(profile.state.score)} != replay ${JSON.stringify(expected.score)}`,
    );
  }
}

/**
 * Each stored time must be the event's real time (the client's, less its clock's offset), never
 * later than its receipt. The offset is measured from the batch's `sent_at`, so the stored time
 * may run late by the request's travel time (from the first attempt to the receipt), never early.
 */
function checkClock(visitor: Plan, profile: Profile, report: LoadReport): void {
  const sent = new Map(
    visitor.batches.flatMap((batch) =>
      batch.events.map((event) => [event.id, { ts: event.ts, tried: batch.firstTried! }] as const),
    ),
  );
  for (const row of profile.recent) {
    const { ts, tried } = sent.get(row.id)!;
    const real = ts - visitor.skew;
    const earliest = Math.min(real, row.received) - CLOCK_TOLERANCE_MS;
    const latest = Math.min(real + (row.received - tried), row.received) + CLOCK_TOLERANCE_MS;
    if (row.at >= earliest && row.at <= latest && row.at <= row.received) continue;
    report.clockMismatches++;
    report.problems.push(`${visitor.vid}: event ${row.id} stored at ${row.at}, expected ${earliest}…${latest}`);
  }
}

async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  if (options.eventsPerVisitor > MAX_EVENTS_PER_VISITOR)
    throw new RangeError(
      `at most ${MAX_EVENTS_PER_VISITOR} events per visitor: the profile shows the last ${MAX_EVENTS_PER_VISITOR}, which the check reads back`,
    );
  const random = seededRandom(options.seed ?? 42);
  const visitors = plan(options, random);
  const report: LoadReport = {
    batches: 0,
    events: 0,
    requests: 0,
    retries: 0,
    errors: {},
    abandonedBatches: 0,
    unsentBatches: 0,
    seconds: 0,
    latencies: [],
    lost: 0,
    doubled: 0,
    scoreMismatches: 0,
    clockMismatches: 0,
    problems: [],
    truth: [],
  };
  const total = visitors.reduce((sum, visitor) => sum + visitor.sends.length, 0);
  let midwayCalled = false;
  const started = performance.now();
  const deadline = started + (options.maxSeconds ?? Infinity) * 1000;
  await pool(visitors, options.concurrency, async (visitor) => {
    for (const batch of visitor.sends) {
      if (performance.now() > deadline) {
        report.unsentBatches++;
        continue;
      }
      await sendUntilTaken(options, visitor, batch, report);
      if (options.paceMs) await sleep(options.paceMs);
      if (!visitor.taken.has(batch)) continue;
      report.batches++;
      report.events += batch.events.length;
      if (options.midway && !midwayCalled && report.batches >= total / 2) {
        midwayCalled = true;
        await options.midway();
      }
    }
  });
  report.seconds = (performance.now() - started) / 1000;
  if (!options.floor) await pool(visitors, options.concurrency, (visitor) => check(options, visitor, report));
  return report;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
