// The lifecycle section of the KPIs: activation, retention by monthly cohort, churn, cross-sell,
// win-back, referrals, CLV and cost per lead, read from the tables of migrations/0007_lifecycle.sql
// (and the leads of kpis.ts). The queries go into kpis.ts's D1 batch; shaping them is pure.
// Formulas: worker/analytics/README.md, "Lifecycle".
import type { RulesFile } from '../../rules/schema';
import { rate } from '../analytics/intervals';
import { DAY_MS, utcDate } from '../lib/time';
import { dayEnd, dayStart, localDate } from '../lib/zone';
import type { FilterIgnored, Lifecycle, RetentionCohort } from '../schema/stats';
import { personFilter } from './people';
import type { Filters, Range } from './range';

type Row = Record<string, unknown>;
export type Query = (name: string, sql: string, ...values: unknown[]) => void;

const num = (value: unknown): number => (typeof value === 'number' ? value : Number(value ?? 0));
const text = (value: unknown): string | null => (value == null ? null : String(value));
const shift = (day: string, days: number) => utcDate(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS);

/** People, not devices: a visitor merged into a user's profile is counted as that user only; `filter` narrows them. */
const live = (filter: string) => `WITH live AS (SELECT * FROM people p WHERE p.site = ?
  AND NOT EXISTS (SELECT 1 FROM person_links l WHERE l.site = p.site AND l.vh = p.vh)${filter})`;

/** The months of the range ("YYYY-MM"), each with its first millisecond and the one after it, in the site's zone. */
function monthsOf(range: Range, zone: string | undefined): Array<[string, number, number]> {
  const months: Array<[string, number, number]> = [];
  for (let month = range.from.slice(0, 7); month <= range.to.slice(0, 7); month = shift(`${month}-28`, 4).slice(0, 7))
    months.push([month, dayStart(`${month}-01`, zone), dayStart(`${shift(`${month}-28`, 4).slice(0, 7)}-01`, zone)]);
  return months;
}

/**
 * Adds the section's queries to the batch. Times are the site's (rules `timezone`): `start` is the
 * first millisecond of the range, `end` the first after it. The filters narrow the people counted
 * (people.ts); what no filter can narrow is named by filtersIgnored.
 */
export function lifecycleQueries(q: Query, site: string, rules: RulesFile, range: Range, filters: Filters): void {
  const zone = rules.timezone;
  const start = dayStart(range.from, zone);
  const end = dayEnd(range.to, zone);
  const { dormant_days, currency } = rules.lifecycle;
  const f = personFilter(site, range, filters, 'p.vh');
  const LIVE = live(f.sql);
  const l = [site, ...f.values];
  q('lc_new', `${LIVE} SELECT customer_at, activated_at FROM live WHERE customer_at >= ? AND customer_at < ?`, ...l, start, end);
  // Cohorts are the months of the site's calendar: each month's bounds come as one JSON array.
  q(
    'lc_retention',
    `${LIVE}, months AS (SELECT value ->> 0 AS label, value ->> 1 AS start_ms, value ->> 2 AS end_ms FROM json_each(?))
     SELECT m.label AS cohort, substr(d.day, 1, 7) AS month, COUNT(DISTINCT d.vh) AS active
     FROM live p JOIN months m ON p.customer_at >= m.start_ms AND p.customer_at < m.end_ms
       JOIN customer_days d ON d.site = p.site AND d.vh = p.vh AND d.day <= ?
     WHERE p.customer_at >= ? AND p.customer_at < ?
     GROUP BY cohort, month`,
    ...l,
    JSON.stringify(monthsOf(range, zone)),
    range.to,
    start,
    end,
  );
  // Churned: no own activity after the day `dormant_days` before the range's last (customer_days are
  // the site's days; without any, the day they became a customer counts).
  const lapsedBefore = shift(range.to, -dormant_days);
  q(
    'lc_customers',
    `${LIVE} SELECT COUNT(*) AS customers, SUM(taken >= 2) AS multi,
            SUM(CASE WHEN last_day IS NULL THEN customer_at < ? ELSE last_day < ? END OR (taken > 0 AND open = 0)) AS churned
     FROM (SELECT p.customer_at,
             (SELECT MAX(d.day) FROM customer_days d WHERE d.site = p.site AND d.vh = p.vh AND d.day <= ?) AS last_day,
             (SELECT COUNT(*) FROM person_products x WHERE x.site = p.site AND x.vh = p.vh AND x.taken_at < ?) AS taken,
             (SELECT COUNT(*) FROM person_products x WHERE x.site = p.site AND x.vh = p.vh AND x.taken_at < ?
                AND (x.closed_at IS NULL OR x.closed_at >= ?)) AS open
           FROM live p WHERE p.customer_at < ?)`,
    ...l,
    dayStart(lapsedBefore, zone),
    lapsedBefore,
    range.to,
    end,
    end,
    end,
    end,
  );
  q(
    'lc_cross_sell',
    `SELECT dim AS offer, SUM(n) AS n FROM daily_counts WHERE site = ? AND day BETWEEN ? AND ? AND metric = 'cross_sell_convert' GROUP BY dim`,
    site,
    range.from,
    range.to,
  );
  q(
    'lc_winbacks',
    `${LIVE} SELECT w.vh, w.offer FROM winbacks w WHERE w.site = ? AND w.day BETWEEN ? AND ? AND w.vh IN (SELECT vh FROM live)`,
    ...l,
    site,
    range.from,
    range.to,
  );
  q(
    'lc_referrals',
    `${LIVE} SELECT referrer, COUNT(*) AS visitors, SUM(lead_at IS NOT NULL) AS leads, SUM(customer_at IS NOT NULL) AS customers
     FROM live WHERE referred_at >= ? AND referred_at < ? GROUP BY referrer`,
    ...l,
    start,
    end,
  );
  q(
    'lc_clv',
    `${LIVE} SELECT p.source, p.medium, COUNT(*) AS customers,
            SUM(COALESCE((SELECT SUM(r.amount) FROM revenue r WHERE r.site = p.site AND r.vh = p.vh AND r.currency = ? AND r.day <= ?), 0)) AS revenue
     FROM live p WHERE p.customer_at < ? GROUP BY p.source, p.medium`,
    ...l,
    currency,
    range.to,
    end,
  );
  q(
    'lc_other_currency',
    `${LIVE} SELECT SUM(r.events) AS n FROM revenue r WHERE r.site = ? AND r.currency != ? AND r.day <= ? AND r.vh IN (SELECT vh FROM live)`,
    ...l,
    site,
    currency,
    range.to,
  );
  // Spend is kept per channel: a source or medium filter narrows it to the channels that match.
  const channel = (['source', 'medium'] as const).filter((name) => filters[name] !== undefined);
  q(
    'lc_spend',
    `SELECT source, medium, SUM(amount) AS spend FROM spend WHERE site = ? AND day BETWEEN ? AND ?${channel.map((name) => ` AND ${name} = ?`).join('')}
     GROUP BY source, medium`,
    site,
    range.from,
    range.to,
    ...channel.map((name) => filters[name]),
  );
}

/**
 * The figures a filter cannot narrow, and why: cross-sell conversions are counted per offer and
 * day, with no person to filter by; spend is kept per channel and day, so a device or stage filter
 * leaves it whole (cost per lead then divides all the spend by the filtered leads).
 */
export function filtersIgnored(filters: Filters): FilterIgnored[] {
  const set = (names: Array<keyof Filters>) => names.filter((name) => filters[name] !== undefined);
  const ignored: FilterIgnored[] = [];
  const all = set(['source', 'medium', 'device', 'stage']);
  if (all.length)
    ignored.push({
      kpi: 'cross_sell_conversions',
      filters: all,
      reason: 'counted per offer and day, with no person to filter by',
    });
  const spend = set(['device', 'stage']);
  if (spend.length)
    ignored.push({
      kpi: 'cost_per_lead',
      filters: spend,
      reason: 'spend is kept per channel and day: all of it is divided by the filtered leads',
    });
  return ignored;
}

/** Shapes the section; `leads` are kpis.ts's leads per first-touch channel in the range, under the same `filters`. */
export function lifecycleOf(
  rules: RulesFile,
  range: Range,
  get: (name: string) => Row[],
  leads: Row[],
  filters: Filters = {},
): Lifecycle {
  const settings = rules.lifecycle;
  const fresh = get('lc_new').map((row) => ({
    customer: num(row.customer_at),
    activated: row.activated_at == null ? null : num(row.activated_at),
  }));
  const delays = fresh
    .filter(({ customer, activated }) => activated !== null && activated - customer <= settings.activation_days * DAY_MS)
    .map(({ customer, activated }) => (activated! - customer) / DAY_MS);
  const measured = !!settings.activated_when;
  const customers = get('lc_customers')[0] ?? {};
  const churned = num(customers.churned);
  const wins = get('lc_winbacks');
  const wonBack = new Set(wins.map((row) => String(row.vh))).size;
  const byOffer = new Map<string | null, number>();
  for (const row of wins) byOffer.set(text(row.offer), (byOffer.get(text(row.offer)) ?? 0) + 1);
  const referrers = get('lc_referrals')
    .map((row) => ({
      referrer: String(row.referrer),
      visitors: num(row.visitors),
      leads: num(row.leads),
      customers: num(row.customers),
    }))
    .sort((a, b) => b.visitors - a.visitors || a.referrer.localeCompare(b.referrer));
  const sum = <T>(items: T[], value: (item: T) => number) => items.reduce((total, item) => total + value(item), 0);
  const ignored = filtersIgnored(filters);
  return {
    settings: {
      activation_days: settings.activation_days,
      dormant_days: settings.dormant_days,
      referral_param: settings.referral_param,
      currency: settings.currency,
    },
    new_customers: fresh.length,
    activated: delays.length,
    activation_rate: measured ? rate(delays.length, fresh.length) : null,
    time_to_activation_days: measured ? median(delays) : null,
    retention: retentionOf(
      range,
      fresh.map(({ customer }) => localDate(customer, rules.timezone).slice(0, 7)),
      get('lc_retention'),
    ),
    customers: num(customers.customers),
    churned,
    churn_rate: rate(churned, num(customers.customers)),
    multi_product_customers: num(customers.multi),
    cross_sell_rate: rate(num(customers.multi), num(customers.customers)),
    cross_sell_conversions: get('lc_cross_sell')
      .map((row) => ({ offer: String(row.offer), conversions: num(row.n) }))
      .sort((a, b) => b.conversions - a.conversions || a.offer.localeCompare(b.offer)),
    won_back: wonBack,
    winback_rate: rate(wonBack, wonBack + churned),
    winback_offers: [...byOffer]
      .map(([offer, won_back]) => ({ offer, won_back }))
      .sort((a, b) => b.won_back - a.won_back || String(a.offer).localeCompare(String(b.offer))),
    referrals: {
      visitors: sum(referrers, (r) => r.visitors),
      leads: sum(referrers, (r) => r.leads),
      customers: sum(referrers, (r) => r.customers),
      by_referrer: referrers,
    },
    clv: clvOf(get('lc_clv'), num(get('lc_other_currency')[0]?.n)),
    cost_per_lead: costPerLead(get('lc_spend'), leads),
    ...(ignored.length ? { filters_ignored: ignored } : {}),
  };
}

/** The middle value (the mean of the two middle ones for an even count); null for none. */
export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Months from "YYYY-MM" a to b. */
const monthsBetween = (a: string, b: string) =>
  (Number(b.slice(0, 4)) - Number(a.slice(0, 4))) * 12 + Number(b.slice(5, 7)) - Number(a.slice(5, 7));

/** Cohorts from the new customers' months ("YYYY-MM", the site's) and the active customers per cohort and month. */
function retentionOf(range: Range, customerMonths: string[], rows: Row[]): RetentionCohort[] {
  const sizes = new Map<string, number>();
  for (const cohort of customerMonths) sizes.set(cohort, (sizes.get(cohort) ?? 0) + 1);
  const last = range.to.slice(0, 7);
  return [...sizes.keys()].sort().map((cohort) => {
    const customers = sizes.get(cohort)!;
    const months = Array.from({ length: monthsBetween(cohort, last) + 1 }, (_, month) => {
      const row = rows.find((r) => r.cohort === cohort && monthsBetween(cohort, String(r.month)) === month);
      const active = num(row?.active);
      return { month, active, rate: rate(active, customers) };
    });
    return { cohort, customers, months };
  });
}

function clvOf(rows: Row[], otherCurrencyEvents: number): Lifecycle['clv'] {
  const byChannel = rows
    .map((row) => {
      const customers = num(row.customers);
      const revenue = num(row.revenue);
      return {
        source: text(row.source),
        medium: text(row.medium),
        customers,
        revenue,
        clv: customers ? revenue / customers : null,
      };
    })
    .sort((a, b) => b.revenue - a.revenue || `${a.source}/${a.medium}`.localeCompare(`${b.source}/${b.medium}`));
  const customers = byChannel.reduce((sum, c) => sum + c.customers, 0);
  const revenue = byChannel.reduce((sum, c) => sum + c.revenue, 0);
  return {
    customers,
    revenue,
    clv: customers ? revenue / customers : null,
    other_currency_events: otherCurrencyEvents,
    by_channel: byChannel,
  };
}

function costPerLead(spendRows: Row[], leadRows: Row[]): Lifecycle['cost_per_lead'] {
  const leadsOf = (source: unknown, medium: unknown) =>
    leadRows.reduce((sum, row) => sum + (row.source === source && row.medium === medium ? num(row.leads) : 0), 0);
  const byChannel = spendRows
    .map((row) => {
      const spend = num(row.spend);
      const leads = leadsOf(row.source, row.medium);
      return { source: text(row.source), medium: text(row.medium), spend, leads, cost_per_lead: leads ? spend / leads : null };
    })
    .sort((a, b) => b.spend - a.spend || `${a.source}/${a.medium}`.localeCompare(`${b.source}/${b.medium}`));
  const spend = byChannel.reduce((sum, c) => sum + c.spend, 0);
  const leads = leadRows.reduce((sum, row) => sum + num(row.leads), 0);
  return { spend, leads, cost_per_lead: spend > 0 && leads ? spend / leads : null, by_channel: byChannel };
}
