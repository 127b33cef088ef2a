// After a load run: the analytics rollups in D1 (fed through the visitors' outboxes, the events
// queue and its consumer) must equal the truth of the profiles. Per visitor, read straight from D1:
// events, page views and sessions, the furthest form step, submitted and abandoned, offer
// impressions and clicks and the arms exposed, the stages entered. In total, read through
// /v1/stats: page views, visitors, sessions, the form funnel, offers per arm, stages entered, leads and converted leads.
import type { Miniflare } from 'miniflare';
import type { Profile } from '../../worker/schema/profile';
import type { Kpis } from '../../worker/schema/stats';
import { visitorHash } from '../../worker/analytics/visitor-hash';
import { funnelStages } from '../../worker/analytics/rollup-keys';
import { demoRules } from '../unit/helpers';

const SITE = 'demo';
const FORM = 'mortgage-app';

/** One visitor as its profile and the answers it got show it, for the comparison with the rollups. */
export interface VisitorTruth {
  vid: string;
  profile: Pick<Profile, 'events' | 'state'>;
  /** Distinct session ids of the batches that carried page views. */
  sessions: number;
  /** `offer/arm` of every offer decided in an answer to a batch with new events (holdouts as "holdout"). */
  exposures: string[];
}

/** Keeps what the check needs of a profile (not its recent events), with what only the load knows. */
export function visitorTruth(profile: Profile, sessions: Set<string>, exposures: Set<string>): VisitorTruth {
  return {
    vid: profile.vid,
    profile: { events: profile.events, state: profile.state },
    sessions: sessions.size,
    exposures: [...exposures],
  };
}

export interface RollupTarget {
  mf: Miniflare;
  url: string;
  apiKey: string;
}

export interface RollupOptions {
  /**
   * The worker was killed mid-run: an answer lost at the kill may have exposed offers the load
   * never saw, so the arms exposed must include the ones answered, and may hold more.
   */
  answersLost?: boolean;
  /** Stop waiting for the consumer when its count has not moved for this long. */
  quietSeconds?: number;
  /** Stop waiting after this long in any case. */
  maxSeconds?: number;
  log?: (line: string) => void;
}

export interface RollupReport {
  /** Events the consumer had recorded when the wait ended, of those stored in profiles. */
  seen: number;
  expected: number;
  waitedSeconds: number;
  /** Visitors with any figure different from the truth. */
  mismatched: number;
  /** Visitors with a figure above the truth: counted twice. */
  over: number;
  /** Totals from /v1/stats that differ from the truth. */
  totalMismatches: number;
  problems: string[];
}

/** Named figures, so that truth and rollups compare key by key and problems read plainly. */
type Figures = Map<string, number>;

const add = (figures: Figures, key: string, value = 1) => figures.set(key, (figures.get(key) ?? 0) + value);

function truthFigures({ profile, sessions, exposures }: VisitorTruth): Figures {
  const { state } = profile;
  const figures: Figures = new Map([
    ['events', profile.events],
    ['pages', state.counters.pages],
    // visitor_days counts page views, page_views keeps one row each: both must hold them all.
    ['page_rows', state.counters.pages],
    ['sessions', sessions],
  ]);
  const form = state.forms[FORM];
  if (form) {
    // As the KPIs define them: a submission ends an abandonment, a step without a number moves nothing.
    figures.set('form.furthest', form.furthest);
    figures.set('form.submitted', Number(form.submitted));
    figures.set('form.abandoned', Number(form.abandoned && !form.submitted));
  }
  for (const [offer, history] of Object.entries(state.offers)) {
    for (const [arm, counts] of Object.entries(history.variants)) {
      figures.set(`offer.${offer}/${arm}.impressions`, counts.impressions);
      figures.set(`offer.${offer}/${arm}.clicks`, counts.clicks);
      figures.set(`offer.${offer}/${arm}.exposed`, 1);
    }
  }
  for (const exposure of exposures) {
    figures.set(`offer.${exposure}.exposed`, 1);
    for (const count of ['impressions', 'clicks'])
      figures.set(`offer.${exposure}.${count}`, figures.get(`offer.${exposure}.${count}`) ?? 0);
  }
  for (const { stage } of state.stage_history) figures.set(`stage.${stage}`, 1);
  return figures;
}

/** The per-visitor figures as D1 holds them, keyed by visitor hash. */
async function visitorRollups(mf: Miniflare): Promise<Map<string, Figures>> {
  const db = await mf.getD1Database('DB');
  const all = async (sql: string, ...values: unknown[]) =>
    (
      await db
        .prepare(sql)
        .bind(SITE, ...values)
        .all<Record<string, string | number | null>>()
    ).results;
  const byVisitor = new Map<string, Figures>();
  const of = (vh: unknown) => byVisitor.get(String(vh)) ?? byVisitor.set(String(vh), new Map()).get(String(vh))!;
  for (const row of await all(
    'SELECT vh, sum(events) AS events, sum(pages) AS pages FROM visitor_days WHERE site = ? GROUP BY vh',
  )) {
    of(row.vh).set('events', Number(row.events));
    of(row.vh).set('pages', Number(row.pages));
  }
  for (const row of await all(
    'SELECT vh, count(*) AS views, count(DISTINCT sid) AS sessions FROM page_views WHERE site = ? GROUP BY vh',
  )) {
    of(row.vh).set('page_rows', Number(row.views));
    of(row.vh).set('sessions', Number(row.sessions));
  }
  for (const row of await all(
    'SELECT vh, furthest, submitted_at IS NOT NULL AS submitted, abandoned_step IS NOT NULL AS abandoned FROM form_visitors WHERE site = ? AND form = ?',
    FORM,
  )) {
    const figures = of(row.vh);
    figures.set('form.furthest', Number(row.furthest));
    figures.set('form.submitted', Number(row.submitted));
    figures.set('form.abandoned', Number(row.abandoned) && !Number(row.submitted) ? 1 : 0);
  }
  for (const row of await all('SELECT vh, offer, arm, impressions, clicks FROM offer_visitors WHERE site = ?')) {
    const key = `offer.${row.offer}/${row.arm}`;
    of(row.vh).set(`${key}.impressions`, Number(row.impressions));
    of(row.vh).set(`${key}.clicks`, Number(row.clicks));
    of(row.vh).set(`${key}.exposed`, 1);
  }
  for (const row of await all('SELECT vh, stage FROM stage_visitors WHERE site = ?')) of(row.vh).set(`stage.${row.stage}`, 1);
  return byVisitor;
}

/** The totals /v1/stats should answer, summed from the per-visitor truth. */
function totalTruth(visitors: VisitorTruth[]): Figures {
  const totals: Figures = new Map();
  const { leadStages, customer } = funnelStages(demoRules.source);
  for (const visitor of visitors) {
    const figures = truthFigures(visitor);
    if (leadStages.some((stage) => figures.has(`stage.${stage}`))) {
      add(totals, 'stages.leads');
      add(totals, 'stages.converted_leads', Number(!!customer && figures.has(`stage.${customer}`)));
    }
    add(totals, 'traffic.unique_visitors');
    add(totals, 'traffic.page_views', figures.get('pages'));
    add(totals, 'traffic.sessions', figures.get('sessions'));
    const form = visitor.profile.state.forms[FORM];
    if (form) {
      for (let step = 1; step <= (form.steps ?? 4); step++)
        add(totals, `forms.${FORM}.reached_${step}`, Number(form.furthest >= step || form.submitted));
      add(totals, `forms.${FORM}.started`, Number(form.furthest >= 1 || form.submitted));
      add(totals, `forms.${FORM}.submitted`, figures.get('form.submitted'));
      add(totals, `forms.${FORM}.abandoned`, figures.get('form.abandoned'));
    }
    for (const [key, value] of figures)
      if (key.startsWith('offer.') || key.startsWith('stage.'))
        add(totals, key.replace(/^offer\./, 'offers.').replace(/^stage\./, 'stages.'), value);
  }
  return totals;
}

/** The same figures from /v1/stats over the days of the run (a day either side for clock skew). */
async function statsTotals(target: RollupTarget, from: number, to: number): Promise<Figures> {
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  const response = await fetch(`${target.url}/v1/stats/${SITE}?from=${day(from - 86_400_000)}&to=${day(to + 86_400_000)}`, {
    headers: { authorization: `Bearer ${target.apiKey}` },
  });
  if (!response.ok) throw new Error(`/v1/stats answered ${response.status}: ${await response.text()}`);
  const kpis = (await response.json()) as Kpis;
  const totals: Figures = new Map();
  const traffic = kpis.traffic!;
  totals.set('traffic.unique_visitors', traffic.unique_visitors);
  totals.set('traffic.page_views', traffic.page_views);
  totals.set('traffic.sessions', traffic.sessions);
  for (const form of kpis.forms ?? []) {
    for (const step of form.steps) totals.set(`forms.${form.form}.reached_${step.step}`, step.reached);
    totals.set(`forms.${form.form}.started`, form.started);
    totals.set(`forms.${form.form}.submitted`, form.submitted);
    totals.set(`forms.${form.form}.abandoned`, form.abandoned);
  }
  for (const offer of kpis.offers ?? []) {
    for (const arm of [...offer.arms, ...(offer.holdout ? [offer.holdout] : [])]) {
      totals.set(`offers.${offer.offer}/${arm.arm}.impressions`, arm.impressions);
      totals.set(`offers.${offer.offer}/${arm.arm}.clicks`, arm.clicks);
      totals.set(`offers.${offer.offer}/${arm.arm}.exposed`, arm.exposed);
    }
  }
  for (const { stage, visitors } of kpis.stages!.entered) if (visitors > 0) totals.set(`stages.${stage}`, visitors);
  totals.set('stages.leads', kpis.stages!.leads ?? 0);
  totals.set('stages.converted_leads', kpis.stages!.converted_leads ?? 0);
  return totals;
}

/** Keys whose rolled-up figure differs from the truth, as readable lines. */
function differences(truth: Figures, rolled: Figures, answersLost: boolean): { lines: string[]; over: boolean } {
  const lines: string[] = [];
  let over = false;
  for (const key of [...new Set([...truth.keys(), ...rolled.keys()])].sort()) {
    const want = truth.get(key) ?? 0;
    const got = rolled.get(key) ?? 0;
    if (got === want || (answersLost && key.endsWith('.exposed') && got > want)) continue;
    const above = !(got <= want);
    over ||= above;
    lines.push(`${key} ${got} (truth ${want})`);
  }
  return { lines, over };
}

/** Waits until the consumer has recorded every stored event, or stalls, or time runs out. */
async function drain(mf: Miniflare, expected: number, options: Required<Omit<RollupOptions, 'answersLost'>>): Promise<number> {
  const db = await mf.getD1Database('DB');
  const started = Date.now();
  let seen = -1;
  let lastChange = started;
  let lastLog = started;
  for (;;) {
    const row = await db.prepare('SELECT count(*) AS n FROM seen_events WHERE site = ?').bind(SITE).first<{ n: number }>();
    const now = Date.now();
    if (row!.n !== seen) [seen, lastChange] = [row!.n, now];
    if (seen >= expected) return seen;
    if (now - lastChange > options.quietSeconds * 1000 || now - started > options.maxSeconds * 1000) {
      options.log(`rollups: stopped waiting at ${seen} of ${expected} events consumed`);
      return seen;
    }
    if (now - lastLog > 5_000) {
      options.log(`rollups: ${seen} of ${expected} events consumed`);
      lastLog = now;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Waits for the queue consumer to catch up, then compares D1 and /v1/stats with the truth. */
export async function checkRollups(
  target: RollupTarget,
  visitors: VisitorTruth[],
  { answersLost = false, quietSeconds = 15, maxSeconds = 600, log = () => {} }: RollupOptions = {},
): Promise<RollupReport> {
  const started = Date.now();
  const expected = visitors.reduce((sum, visitor) => sum + visitor.profile.events, 0);
  const seen = await drain(target.mf, expected, { quietSeconds, maxSeconds, log });
  const report: RollupReport = {
    seen,
    expected,
    waitedSeconds: (Date.now() - started) / 1000,
    mismatched: 0,
    over: 0,
    totalMismatches: 0,
    problems: [],
  };
  const rolled = await visitorRollups(target.mf);
  for (const visitor of visitors) {
    const figures = rolled.get(await visitorHash(SITE, visitor.vid)) ?? new Map<string, number>();
    const { lines, over } = differences(truthFigures(visitor), figures, answersLost);
    if (over) report.over++;
    if (lines.length === 0) continue;
    report.mismatched++;
    report.problems.push(`${visitor.vid}: ${lines.join(', ')}`);
  }
  const firstSeen = Math.min(...visitors.map((visitor) => visitor.profile.state.first_seen));
  const lastSeen = Math.max(...visitors.map((visitor) => visitor.profile.state.last_seen));
  const totals = differences(totalTruth(visitors), await statsTotals(target, firstSeen, lastSeen), answersLost);
  report.totalMismatches = totals.lines.length;
  if (totals.lines.length) report.problems.unshift(`/v1/stats: ${totals.lines.join(', ')}`);
  return report;
}

/** One line for people: `rollups: ok`, or what differs, with numbers. */
export function rollupSummary(report: RollupReport): string {
  const consumed = `${report.seen} of ${report.expected} events consumed, ${report.waitedSeconds.toFixed(1)} s after the run`;
  if (report.mismatched === 0 && report.totalMismatches === 0) return `rollups: ok (${consumed})`;
  return `rollups: MISMATCH in ${report.mismatched} visitors (${report.over} counted above their profile), ${report.totalMismatches} totals (${consumed})`;
}
