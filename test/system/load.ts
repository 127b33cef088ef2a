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
import { sites } from '../../rules/sites';
import { armOf } from '../../worker/analytics/keys';
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
  seed?: number;
}

export interface LoadReport {
  batches: number;
  events: number;
  requests: number;
  retries: number;
  seconds: number;
  latencies: number[];
  lost: number;
  doubled: number;
  scoreMismatches: number;
  problems: string[];
  /** Each visitor whose profile matched what was sent, for the rollup check (test/system/rollups.ts). */
  truth: VisitorTruth[];
}

const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';

const id = () => randomUUID().replaceAll('-', '');

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
}

interface Plan {
  vid: string;
  skew: number;
  sends: Batch[];
  /** Events in the order the worker will first see them. */
  arrival: Event[];
  /** Session ids of the batches with a page view. */
  sessions: Set<string>;
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
    const sessions = new Set(batches.filter((b) => b.events.some((e) => e.type === 'page')).map((b) => b.sid));
    return { vid, skew, sends, arrival: batches.flatMap((batch) => batch.events), sessions, decided: new Set() };
  });
}

async function sendUntilTaken(options: LoadOptions, visitor: Plan, { sid, events }: Batch, report: LoadReport): Promise<void> {
  const { vid, skew } = visitor;
  for (let attempt = 0; ; attempt++) {
    const started = performance.now();
    try {
      report.requests++;
      const response = await fetch(`${options.url()}/v1/collect`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain', 'user-agent': USER_AGENT },
        body: JSON.stringify({ site: 'demo', vid, sid, sent_at: Date.now() + skew, slots: ['hero'], events }),
        signal: AbortSignal.timeout(10_000),
      });
      const body = (await response.json()) as CollectResponse;
      if (response.ok && body.rejected.length > 0) report.problems.push(`${vid}: rejected ${JSON.stringify(body.rejected)}`);
      if (response.ok) {
        report.latencies.push(performance.now() - started);
        // The visitor's object queues a decision's exposures with the batch's last new event, so
        // only answers to batches with new events expose (a resent batch's answer does not).
        if (body.duplicates < events.length)
          for (const offer of body.decisions.offers) visitor.decided.add(`${offer.offer}/${armOf(offer.variant, offer.holdout)}`);
        return;
      }
    } catch {
      // the worker is down or restarting: retry like the snippet's outbox
    }
    report.retries++;
    if (attempt > 40) throw new Error(`${vid}: batch not taken after ${attempt} attempts`);
    await new Promise((resolve) => setTimeout(resolve, Math.min(100 * 2 ** attempt, 2000)));
  }
}

/** Replays what the worker saw through the engine, offline, with the worker's corrected times. */
function replay(profile: Profile, arrival: Event[]) {
  const rules = sites.get('demo')!;
  const at = new Map(profile.recent.map((row) => [row.id, row.at]));
  const state = newVisitor(profile.vid, Math.min(...profile.recent.map((row) => row.received)));
  for (const event of arrival) applyEvent(rules, state, event, at.get(event.id)!, { device: 'desktop' });
  return state;
}

async function check(options: LoadOptions, visitor: Plan, report: LoadReport): Promise<void> {
  const response = await fetch(`${options.url()}/v1/profile/demo/${visitor.vid}`, {
    headers: { authorization: `Bearer ${options.apiKey}` },
  });
  if (!response.ok) {
    report.lost += visitor.arrival.length;
    report.problems.push(`${visitor.vid}: profile answered ${response.status}`);
    return;
  }
  const profile = (await response.json()) as Profile;
  const stored = new Set(profile.recent.map((row) => row.id));
  const missing = visitor.arrival.filter((event) => !stored.has(event.id)).length;
  report.lost += missing;
  report.doubled += Math.max(0, profile.state.counters.events - visitor.arrival.length);
  if (missing || profile.events !== visitor.arrival.length) {
    report.problems.push(`${visitor.vid}: sent ${visitor.arrival.length}, stored ${profile.events}, missing ${missing}`);
    return;
  }
  report.truth.push(visitorTruth(profile, visitor.sessions, visitor.decided));
  const expected = replay(profile, visitor.arrival);
  if (JSON.stringify(expected.score) !== JSON.stringify(profile.state.score)) {
    report.scoreMismatches++;
    report.problems.push(
      `${visitor.vid}: score ${JSON.stringify(profile.state.score)} != replay ${JSON.stringify(expected.score)}`,
    );
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
  const random = seededRandom(options.seed ?? 42);
  const visitors = plan(options, random);
  const report: LoadReport = {
    batches: 0,
    events: 0,
    requests: 0,
    retries: 0,
    seconds: 0,
    latencies: [],
    lost: 0,
    doubled: 0,
    scoreMismatches: 0,
    problems: [],
    truth: [],
  };
  const total = visitors.reduce((sum, visitor) => sum + visitor.sends.length, 0);
  let midwayCalled = false;
  const started = performance.now();
  await pool(visitors, options.concurrency, async (visitor) => {
    for (const batch of visitor.sends) {
      await sendUntilTaken(options, visitor, batch, report);
      report.batches++;
      report.events += batch.events.length;
      if (options.midway && !midwayCalled && report.batches >= total / 2) {
        midwayCalled = true;
        await options.midway();
      }
    }
  });
  report.seconds = (performance.now() - started) / 1000;
  await pool(visitors, options.concurrency, (visitor) => check(options, visitor, report));
  return report;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
