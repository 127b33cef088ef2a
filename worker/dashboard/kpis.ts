// The KPIs of a site over a range of days (the site's time zone), read from the rollup tables:
// traffic, form funnels, offers by variant with lift over the holdout, lifecycle stages, audience
// sizes and the customer lifecycle (lifecycle.ts), narrowed by the filters (people.ts: stages and the
// lifecycle count people, the rest browsers). Queries run in one D1 batch; the shaping below them is
// pure. Definitions: worker/analytics/README.md.
import type { RulesFile } from '../../rules/schema';
import { groupBy } from '../lib/group';
import { DAY_MS, utcDate } from '../lib/time';
import { dayEnd, dayStart } from '../lib/zone';
import { pageOf } from './paths';
import { slotSummaries } from './winners';
import type { Filters, Range, Section } from './range';
import { liftOverHoldout, rate, type Lift } from '../analytics/intervals';
import { HOLDOUT_ARM, funnelStages, stagesInFunnelOrder } from '../analytics/rollup-keys';
import { NAME_CAPS, NAMES_IN_USE, OTHER } from '../analytics/name-caps';
import { lifecycleOf, lifecycleQueries, type Query } from './lifecycle';
import { hashesOf, personFilter, personOf, visitorFilter } from './people';
import type {
  AudienceSeries,
  FormFunnel,
  Kpis,
  LeadChannel,
  OfferArm,
  OfferStats,
  OtherCount,
  Stages,
  Totals,
  Traffic,
} from '../schema/stats';

/** Every UTC day from `from` to `to`, inclusive. */
export function daysIn({ from, to }: Range): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += DAY_MS) {
    days.push(utcDate(t));
  }
  return days;
}

/** Sessions without a client session id end after this much inactivity (the usual web analytics rule). */
export const SESSION_GAP_MS = 30 * 60 * 1000;

/**
 * Sessions per day (of their first page view) and how many had a single page view. A page view
 * with the snippet's session id belongs to that session; one without starts a session when it
 * comes more than SESSION_GAP_MS after the visitor's previous such page view. `filter` narrows the
 * visitors (visitorFilter). Page views with a session id are grouped by it without window functions:
 * sorting every page view of a 90-day range for the windows cost three times the CPU.
 */
const sessionsSql = (filter: string) => `
  WITH viewed AS (SELECT vh, sid, day, at, id FROM page_views WHERE site = ? AND day BETWEEN ? AND ?${filter}),
  by_sid AS (SELECT MIN(day) AS day, COUNT(*) AS pages FROM viewed WHERE sid IS NOT NULL GROUP BY vh, sid),
  marked AS (
    SELECT vh, day, at, id, COALESCE(at - LAG(at) OVER (PARTITION BY vh ORDER BY at, id) > ${SESSION_GAP_MS}, 1) AS starts
    FROM viewed WHERE sid IS NULL),
  keyed AS (SELECT vh, day, SUM(starts) OVER (PARTITION BY vh ORDER BY at, id ROWS UNBOUNDED PRECEDING) AS session FROM marked),
  by_gap AS (SELECT MIN(day) AS day, COUNT(*) AS pages FROM keyed GROUP BY vh, session),
  sessions AS (SELECT day, pages FROM by_sid UNION ALL SELECT day, pages FROM by_gap)
  SELECT day, COUNT(*) AS sessions, SUM(pages = 1) AS bounced FROM sessions GROUP BY day`;

type Row = Record<string, unknown>;
const num = (value: unknown): number => (typeof value === 'number' ? value : Number(value ?? 0));

const isFiltered = (filters: Filters) => Object.values(filters).some((value) => value !== undefined);

/** Loads the requested sections. `rules` orders stages, names audiences, labels steps and groups pages. */
export async function loadKpis(
  db: D1Database,
  site: string,
  rules: RulesFile,
  range: Range,
  sections: readonly Section[],
  filters: Filters = {},
): Promise<Kpis> {
  const wanted = new Set(sections);
  const zone = rules.timezone;
  const queries: Array<[string, D1PreparedStatement]> = [];
  const q = (name: string, sql: string, ...values: unknown[]) => queries.push([name, db.prepare(sql).bind(...values)]);
  const inRange = 'site = ? AND day BETWEEN ? AND ?';
  const r = [site, range.from, range.to];
  const filtered = isFiltered(filters);
  const f = visitorFilter(site, range, filters);
  // Filtered: counts that daily_counts keeps without visitors come from the visitor-keyed tables.
  const rf = [...r, ...f.values];
  if (wanted.has('traffic')) {
    q('visitors', `SELECT day, COUNT(*) AS visitors FROM visitor_days WHERE ${inRange}${f.sql} GROUP BY day`, ...rf);
    q('unique', `SELECT COUNT(DISTINCT vh) AS n FROM visitor_days WHERE ${inRange}${f.sql}`, ...rf);
    q('sessions', sessionsSql(f.sql), ...rf);
    if (filtered)
      q(
        'pages',
        `SELECT day, COALESCE(path, '(not recorded)') AS dim, COUNT(*) AS n FROM page_views WHERE ${inRange}${f.sql} GROUP BY day, dim`,
        ...rf,
      );
    else q('pages', `SELECT day, dim, n FROM daily_counts WHERE ${inRange} AND metric = 'page_views'`, ...r);
    q('bots', `SELECT SUM(n) AS n FROM daily_counts WHERE ${inRange} AND metric = 'bot_batches'`, ...r);
  }
  if (wanted.has('forms')) {
    q(
      'forms',
      `SELECT form, furthest, submitted_at IS NOT NULL AS submitted, abandoned_step IS NOT NULL AS abandoned,
              MAX(COALESCE(steps, 0)) AS steps, COUNT(*) AS n
       FROM form_visitors WHERE ${inRange}${f.sql} GROUP BY form, furthest, submitted, abandoned`,
      ...rf,
    );
    q(
      'step_labels',
      `SELECT form, step, name, SUM(n) AS n, MAX(day) AS last FROM form_step_labels WHERE ${inRange} GROUP BY form, step, name`,
      ...r,
    );
  }
  if (wanted.has('offers')) {
    if (filtered)
      // Per visitor: each exposed visitor's impressions, clicks and conversions, by the day of their first exposure.
      q(
        'offer_events',
        `SELECT m.metric, offer || '/' || arm AS dim,
                SUM(CASE m.metric WHEN 'offer_impression' THEN impressions WHEN 'offer_click' THEN clicks ELSE converts END) AS n
         FROM offer_visitors, (SELECT 'offer_impression' AS metric UNION ALL SELECT 'offer_click' UNION ALL SELECT 'offer_convert') m
         WHERE ${inRange}${f.sql} GROUP BY m.metric, dim`,
        ...rf,
      );
    else
      q(
        'offer_events',
        `SELECT metric, dim, SUM(n) AS n FROM daily_counts WHERE ${inRange} AND metric LIKE 'offer\\_%' ESCAPE '\\' GROUP BY metric, dim`,
        ...r,
      );
    // A submission after the range does not count: the goal rate of a past range stays put.
    q(
      'offer_visitors',
      `SELECT offer, arm, COUNT(*) AS exposed, SUM(goal_at < ?) AS goal FROM offer_visitors WHERE ${inRange}${f.sql} GROUP BY offer, arm`,
      dayEnd(range.to, zone),
      ...rf,
    );
  }
  if (wanted.has('stages') || wanted.has('lifecycle')) stageQueries(q, site, rules, range, filters, wanted.has('stages'));
  if (wanted.has('audiences')) {
    // A member counts on a day if they joined before its end and neither left nor expired by then.
    // The days' bounds are the site's midnights, passed as one JSON array (D1 caps bound values at 100).
    const bounds = daysIn(range).map((day) => [day, dayStart(day, zone), dayEnd(day, zone)]);
    q(
      'audiences',
      `WITH bounds AS (SELECT value ->> 0 AS d, value ->> 1 AS start_ms, value ->> 2 AS end_ms FROM json_each(?))
       SELECT a.audience, b.d AS day,
              SUM(a.joined < b.end_ms AND MIN(a.expires, COALESCE(a.left_at, a.expires)) >= b.end_ms) AS size,
              SUM(a.joined >= b.start_ms AND a.joined < b.end_ms) AS joins,
              SUM(MIN(a.expires, COALESCE(a.left_at, a.expires)) >= b.start_ms AND MIN(a.expires, COALESCE(a.left_at, a.expires)) < b.end_ms) AS leaves
       FROM bounds b JOIN audience_members a ON a.site = ? AND a.joined < b.end_ms
       GROUP BY a.audience, b.d`,
      JSON.stringify(bounds),
      site,
    );
  }
  if (wanted.has('lifecycle')) lifecycleQueries(q, site, rules, range, filters);
  if (wanted.has('other')) {
    q('other_events', `SELECT metric, SUM(n) AS n FROM daily_counts WHERE ${inRange} AND dim = ? GROUP BY metric`, ...r, OTHER);
    q('names', NAMES_IN_USE, site);
  }
  const results = queries.length ? await db.batch<Row>(queries.map(([, statement]) => statement)) : [];
  const rows = new Map(queries.map(([name], i) => [name, results[i].results]));
  const get = (name: string): Row[] => rows.get(name) ?? [];
  const kpis: Kpis = { site, from: range.from, to: range.to, timezone: zone ?? 'UTC' };
  if (wanted.has('traffic'))
    kpis.traffic = trafficOf(range, get('visitors'), num(get('unique')[0]?.n), get('sessions'), get('pages'), {
      bots: num(get('bots')[0]?.n),
      pageOf: pageOf(rules.path_aliases),
    });
  if (wanted.has('forms')) kpis.forms = formsOf(get('forms'), get('step_labels'), rules.forms);
  if (wanted.has('offers')) {
    kpis.offers = offersOf(get('offer_events'), get('offer_visitors'), rules);
    kpis.slots = slotSummaries(rules, kpis.offers);
  }
  if (wanted.has('stages')) kpis.stages = stagesOf(rules, get('stages'), rows.has('leads') ? get('leads') : undefined);
  if (wanted.has('audiences')) kpis.audiences = audiencesOf(rules, range, get('audiences'));
  if (wanted.has('other')) kpis.other = otherOf(get('other_events'), get('names'));
  if (wanted.has('lifecycle')) kpis.lifecycle = lifecycleOf(rules, range, get, get('leads'), filters);
  return kpis;
}

/**
 * The stages section's queries, counting people (people.ts): `stages`, the people who first entered
 * each stage in the range (with `entered`), and `leads`, the people who first reached a lead stage in
 * the range per first-touch channel, with those of them who reached the customer stage (by now). A
 * person's first entry, channel and conversion are read over all their devices and their own profile,
 * so one identified on two devices, or funded by uid in the back office, is one lead.
 */
function stageQueries(q: Query, site: string, rules: RulesFile, range: Range, filters: Filters, entered: boolean): void {
  const f = personFilter(site, range, filters, 'e.person');
  // A stage's entries of the range, each with its person; one counts unless that person entered earlier on another device.
  const entries = (stages: string) =>
    `WITH entries AS (SELECT s.site, s.stage, ${personOf('s')} AS person FROM stage_visitors s
       WHERE s.site = ? AND ${stages} AND s.day BETWEEN ? AND ?)`;
  const firstIn = (stages: string) =>
    `NOT EXISTS (SELECT 1 FROM stage_visitors b WHERE b.site = e.site AND ${stages} AND b.day < ? AND b.vh IN ${hashesOf('e')})`;
  if (entered)
    q(
      'stages',
      `${entries('1')} SELECT e.stage, COUNT(DISTINCT e.person) AS n FROM entries e
       WHERE ${firstIn('b.stage = e.stage')}${f.sql} GROUP BY e.stage`,
      site,
      range.from,
      range.to,
      range.from,
      ...f.values,
    );
  const { leadStages, customer } = funnelStages(rules);
  if (!leadStages.length || !customer) return;
  const marks = leadStages.map(() => '?').join(', ');
  // A lead's channel: the source and medium of the person's earliest page view that has either
  // (none for a person who never came through a tagged link).
  q(
    'leads',
    `${entries(`s.stage IN (${marks})`)},
     leads AS (SELECT DISTINCT e.site, e.person FROM entries e WHERE ${firstIn(`b.stage IN (${marks})`)}${f.sql}),
     judged AS (SELECT
        EXISTS (SELECT 1 FROM stage_visitors c WHERE c.site = l.site AND c.stage = ? AND c.vh IN ${hashesOf('l')}) AS converted,
        (SELECT p.rowid FROM page_views p WHERE p.site = l.site AND p.vh IN ${hashesOf('l')}
           AND (p.source IS NOT NULL OR p.medium IS NOT NULL) ORDER BY p.at, p.id LIMIT 1) AS touch
        FROM leads l)
     SELECT t.source, t.medium, COUNT(*) AS leads, SUM(j.converted) AS converted
     FROM judged j LEFT JOIN page_views t ON t.rowid = j.touch GROUP BY t.source, t.medium`,
    site,
    ...leadStages,
    range.from,
    range.to,
    ...leadStages,
    range.from,
    ...f.values,
    customer,
  );
}

/** The KPI cards' figures, from the traffic, forms and stages sections (zeros for those not loaded). */
export function totalsOf({ traffic: t, forms, stages: s, lifecycle: l }: Kpis): Totals {
  return {
    unique_visitors: t?.unique_visitors ?? 0,
    visitors: t?.visitors ?? 0,
    page_views: t?.page_views ?? 0,
    sessions: t?.sessions ?? 0,
    bounce_rate: t?.bounce_rate ?? null,
    bot_batches: t?.bot_batches ?? 0,
    form_submissions: (forms ?? []).reduce((sum, form) => sum + form.submitted, 0),
    leads: s?.leads ?? null,
    lead_to_customer_pct: s?.lead_to_customer_pct ?? null,
    new_customers: l?.new_customers ?? null,
    activation_rate: l?.activation_rate ?? null,
    churn_rate: l?.churn_rate ?? null,
    cross_sell_rate: l?.cross_sell_rate ?? null,
    winback_rate: l?.winback_rate ?? null,
    referred_visitors: l?.referrals.visitors ?? null,
    clv: l?.clv.clv ?? null,
    cost_per_lead: l?.cost_per_lead.cost_per_lead ?? null,
  };
}

/** The sections the KPI cards read, loaded for the period before the range. */
export const CARD_SECTIONS: Section[] = ['traffic', 'forms', 'stages', 'lifecycle'];

interface PageCounts {
  /** Bot batches ignored in the range. */
  bots: number;
  /** Groups a path into its page (paths.ts). */
  pageOf: (path: string) => string;
}

export function trafficOf(
  range: Range,
  visitors: Row[],
  unique: number,
  sessions: Row[],
  pages: Row[],
  { bots, pageOf }: PageCounts = { bots: 0, pageOf: (path) => path },
): Traffic {
  const daily = new Map(daysIn(range).map((day) => [day, { day, visitors: 0, page_views: 0, sessions: 0 }]));
  for (const row of visitors) daily.get(String(row.day))!.visitors = num(row.visitors);
  let bounced = 0;
  for (const row of sessions) {
    daily.get(String(row.day))!.sessions = num(row.sessions);
    bounced += num(row.bounced);
  }
  const byPath = new Map<string, number>();
  for (const row of pages) {
    daily.get(String(row.day))!.page_views += num(row.n);
    const page = pageOf(String(row.dim));
    byPath.set(page, (byPath.get(page) ?? 0) + num(row.n));
  }
  const days = [...daily.values()];
  const total = (key: 'visitors' | 'page_views' | 'sessions') => days.reduce((sum, day) => sum + day[key], 0);
  return {
    visitors: total('visitors'),
    unique_visitors: unique,
    page_views: total('page_views'),
    sessions: total('sessions'),
    bounced_sessions: bounced,
    bounce_rate: rate(bounced, total('sessions')),
    bot_batches: bots,
    daily: days,
    top_pages: [...byPath]
      .map(([path, views]) => ({ path, views }))
      .sort((a, b) => b.views - a.views || a.path.localeCompare(b.path))
      .slice(0, 10),
  };
}

/**
 * A step's label: the rules' (forms[].steps), else the one most of the range's step events carried
 * (the latest on a tie), so the funnel reads as the form its visitors saw in the range.
 */
function labelOf(form: string, step: number, labels: Row[], declared: RulesFile['forms']): string | null {
  const fromRules = declared?.find((f) => f.id === form)?.steps[step - 1];
  if (fromRules) return fromRules;
  const seen = labels
    .filter((row) => row.form === form && num(row.step) === step)
    .sort((a, b) => num(b.n) - num(a.n) || String(b.last).localeCompare(String(a.last)));
  return seen.length ? String(seen[0].name) : null;
}

/** Funnels from visitor counts grouped by (form, furthest step, submitted, abandoned). */
export function formsOf(groups: Row[], labels: Row[], declared?: RulesFile['forms']): FormFunnel[] {
  const forms = groupBy(groups, (row) => String(row.form));
  return [...forms.keys()].sort().map((form) => {
    const rows = forms.get(form)!;
    const stepCount = Math.max(1, ...rows.map((row) => Math.max(num(row.steps), num(row.furthest))));
    const reached = (step: number) =>
      rows.reduce((sum, row) => sum + (num(row.furthest) >= step || num(row.submitted) ? num(row.n) : 0), 0);
    const submitted = rows.reduce((sum, row) => sum + (num(row.submitted) ? num(row.n) : 0), 0);
    const counts = Array.from({ length: stepCount }, (_, i) => reached(i + 1));
    const steps = counts.map((count, i) => ({
      step: i + 1,
      name: labelOf(form, i + 1, labels, declared),
      reached: count,
      drop_off: count > 0 ? 1 - (i + 1 < stepCount ? counts[i + 1] : submitted) / count : null,
    }));
    return {
      form,
      started: counts[0],
      steps,
      submitted,
      abandoned: rows.reduce((sum, row) => sum + (num(row.abandoned) && !num(row.submitted) ? num(row.n) : 0), 0),
      completion_rate: rate(submitted, counts[0]),
    };
  });
}

export function offersOf(events: Row[], visitors: Row[], rules?: Pick<RulesFile, 'offers'>): OfferStats[] {
  const arms = new Map<string, Map<string, OfferArm>>();
  const arm = (offer: string, id: string): OfferArm => {
    const offerArms = arms.get(offer) ?? arms.set(offer, new Map()).get(offer)!;
    return offerArms.get(id) ?? offerArms.set(id, emptyArm(id)).get(id)!;
  };
  for (const row of events) {
    const dim = String(row.dim);
    // Events of offers the rules do not name: reported under `other`, never as an offer.
    if (dim === OTHER) continue;
    const slash = dim.lastIndexOf('/');
    const target = arm(dim.slice(0, slash), dim.slice(slash + 1));
    const field = ({ offer_impression: 'impressions', offer_click: 'clicks', offer_convert: 'conversions' } as const)[
      String(row.metric) as 'offer_click'
    ];
    if (field) target[field] += num(row.n);
  }
  for (const row of visitors) {
    const target = arm(String(row.offer), String(row.arm));
    target.exposed = num(row.exposed);
    target.goal_visitors = num(row.goal);
  }
  return [...arms.keys()].sort().map((offer) => {
    const all = [...arms.get(offer)!.values()];
    const holdout = all.find((a) => a.arm === HOLDOUT_ARM) ?? null;
    for (const a of all) {
      a.ctr = rate(a.clicks, a.impressions);
      a.cvr = rate(a.conversions, a.clicks);
      a.goal_rate = rate(a.goal_visitors, a.exposed);
      if (holdout && a !== holdout) a.lift = liftOverHoldout(a.goal_visitors, a.exposed, holdout.goal_visitors, holdout.exposed);
    }
    const shown = all.filter((a) => a !== holdout).sort((a, b) => a.arm.localeCompare(b.arm));
    const lift_against = rules?.offers.find((o) => o.id === offer)?.holdout_mode ?? null;
    return { offer, arms: shown, holdout, lift_against };
  });
}

function emptyArm(arm: string): OfferArm {
  return {
    arm,
    impressions: 0,
    clicks: 0,
    conversions: 0,
    ctr: null,
    cvr: null,
    exposed: 0,
    goal_visitors: 0,
    goal_rate: null,
    lift: null,
  };
}

/** Events counted under "(other)" in the range, by the kind of name, beside each cap and its use. */
export function otherOf(events: Row[], names: Row[]): OtherCount[] {
  const kindOf = (metric: string): OtherCount['kind'] | null =>
    metric === 'track' ? 'tracks' : metric.startsWith('form_') ? 'forms' : metric.startsWith('offer_') ? 'offers' : null;
  const count = (kind: OtherCount['kind']) =>
    events.reduce((sum, row) => sum + (kindOf(String(row.metric)) === kind ? num(row.n) : 0), 0);
  const used = (kind: string) => num(names.find((row) => row.kind === kind)?.n);
  return [
    { kind: 'forms', cap: NAME_CAPS.form, names: used('form'), other_events: count('forms') },
    { kind: 'tracks', cap: NAME_CAPS.track, names: used('track'), other_events: count('tracks') },
    { kind: 'offers', cap: null, names: null, other_events: count('offers') },
  ];
}

/** `leads`: leads and converted leads per first-touch channel; undefined when the rules have no lead or customer stage. */
export function stagesOf(rules: RulesFile, entered: Row[], leads: Row[] | undefined): Stages {
  const counts = new Map(entered.map((row) => [String(row.stage), num(row.n)]));
  const byChannel = (leads ?? [])
    .map((row) => ({
      source: row.source == null ? null : String(row.source),
      medium: row.medium == null ? null : String(row.medium),
      ...leadConversion(num(row.leads), num(row.converted)),
    }))
    .sort((a, b) => b.leads - a.leads || `${a.source}/${a.medium}`.localeCompare(`${b.source}/${b.medium}`));
  const total = (key: 'leads' | 'converted_leads') => byChannel.reduce((sum, channel) => sum + channel[key], 0);
  return {
    entered: stagesInFunnelOrder(rules).map(({ id, label }) => ({
      stage: id,
      label: label ?? null,
      visitors: counts.get(id) ?? 0,
    })),
    lead_stages: funnelStages(rules).leadStages,
    ...(leads
      ? leadConversion(total('leads'), total('converted_leads'))
      : { leads: null, converted_leads: null, lead_to_customer_pct: null }),
    by_channel: byChannel,
  };
}

function leadConversion(leads: number, converted: number): Omit<LeadChannel, 'source' | 'medium'> {
  return { leads, converted_leads: converted, lead_to_customer_pct: leads ? (converted * 100) / leads : null };
}

export function audiencesOf(rules: RulesFile, range: Range, rows: Row[]): AudienceSeries[] {
  return rules.audiences.map(({ id }) => ({
    audience: id,
    daily: daysIn(range).map((day) => {
      const row = rows.find((r) => r.audience === id && r.day === day);
      return { day, size: num(row?.size), joins: num(row?.joins), leaves: num(row?.leaves) };
    }),
  }));
}
