// After a load run: the analytics rollups in D1 (fed through the visitors' outboxes, the events
// queue and its consumer) must equal the truth of the profiles, visitor by visitor: events, page
// views, furthest form step, offer impressions and clicks, stages entered.
import type { Miniflare } from 'miniflare';
import type { Event } from '../../worker/schema/events';
import { visitorHash } from '../../worker/analytics/visitor-hash';

/** What one visitor's profile holds, as the rollups should count it. */
export interface VisitorTruth {
  vid: string;
  events: Event[];
  stages: string[];
}

interface Counts {
  events: number;
  pages: number;
  furthest: number;
  impressions: number;
  clicks: number;
  stages: string;
}

export interface RollupReport {
  /** Events the consumer had recorded when the wait ended, of those stored in profiles. */
  seen: number;
  expected: number;
  waitedSeconds: number;
  /** Visitors whose rollups differ from their profile (a visitor missing from D1 included). */
  mismatched: number;
  /** Visitors whose rollups count more than their profile holds: double counting. */
  over: number;
  problems: string[];
}

type Row = Record<string, string | number | null>;

function truthOf(visitor: VisitorTruth): Counts {
  const offers = visitor.events.filter((event) => event.type === 'offer');
  return {
    events: visitor.events.length,
    pages: visitor.events.filter((event) => event.type === 'page').length,
    furthest: Math.max(0, ...visitor.events.map((event) => (event.type === 'form' ? (event.step ?? 1) : 0))),
    impressions: offers.filter((event) => event.action === 'impression').length,
    clicks: offers.filter((event) => event.action === 'click').length,
    stages: [...new Set(visitor.stages)].sort().join(','),
  };
}

async function rows(mf: Miniflare, sql: string): Promise<Row[]> {
  const db = await mf.getD1Database('DB');
  return (await db.prepare(sql).bind('demo').all<Row>()).results;
}

/** Waits until the consumer has seen every stored event, or nothing moved for `quietSeconds`. */
async function drain(mf: Miniflare, expected: number, quietSeconds: number, log: (line: string) => void): Promise<number> {
  let seen = -1;
  let lastChange = Date.now();
  let lastLog = Date.now();
  for (;;) {
    const [row] = await rows(mf, 'SELECT count(*) AS n FROM seen_events WHERE site = ?');
    const now = Number(row.n);
    if (now !== seen) {
      seen = now;
      lastChange = Date.now();
    }
    if (Date.now() - lastLog > 5_000) {
      log(`rollups: ${seen} of ${expected} events consumed`);
      lastLog = Date.now();
    }
    if (seen >= expected || Date.now() - lastChange > quietSeconds * 1000) return seen;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export async function checkRollups(
  mf: Miniflare,
  visitors: VisitorTruth[],
  { quietSeconds = 10, log = (_line: string) => {} } = {},
): Promise<RollupReport> {
  const started = Date.now();
  const expected = visitors.reduce((sum, visitor) => sum + visitor.events.length, 0);
  const seen = await drain(mf, expected, quietSeconds, log);
  const actual = new Map<string, Counts>();
  const of = (vh: unknown) => {
    const key = String(vh);
    if (!actual.has(key)) actual.set(key, { events: 0, pages: 0, furthest: 0, impressions: 0, clicks: 0, stages: '' });
    return actual.get(key)!;
  };
  for (const row of await rows(
    mf,
    'SELECT vh, sum(events) AS events, sum(pages) AS pages FROM visitor_days WHERE site = ? GROUP BY vh',
  )) {
    Object.assign(of(row.vh), { events: Number(row.events), pages: Number(row.pages) });
  }
  for (const row of await rows(mf, "SELECT vh, furthest FROM form_visitors WHERE site = ? AND form = 'mortgage-app'")) {
    of(row.vh).furthest = Number(row.furthest);
  }
  for (const row of await rows(
    mf,
    "SELECT vh, impressions, clicks FROM offer_visitors WHERE site = ? AND offer = 'welcome-back' AND arm = '-'",
  )) {
    Object.assign(of(row.vh), { impressions: Number(row.impressions), clicks: Number(row.clicks) });
  }
  for (const row of await rows(
    mf,
    'SELECT vh, group_concat(stage) AS stages FROM (SELECT vh, stage FROM stage_visitors WHERE site = ? ORDER BY stage) GROUP BY vh',
  )) {
    of(row.vh).stages = String(row.stages);
  }
  const report: RollupReport = {
    seen,
    expected,
    waitedSeconds: (Date.now() - started) / 1000,
    mismatched: 0,
    over: 0,
    problems: [],
  };
  for (const visitor of visitors) {
    const truth = truthOf(visitor);
    const rolled = actual.get(await visitorHash('demo', visitor.vid));
    if (rolled && JSON.stringify(rolled) === JSON.stringify(truth)) continue;
    report.mismatched++;
    if (rolled && (rolled.events > truth.events || rolled.impressions > truth.impressions || rolled.clicks > truth.clicks))
      report.over++;
    report.problems.push(`${visitor.vid}: rollups ${JSON.stringify(rolled ?? null)} != profile ${JSON.stringify(truth)}`);
  }
  return report;
}
