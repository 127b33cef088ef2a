// The lifecycle section of the KPIs: activation, retention by monthly cohort, churn, cross-sell,
// win-back, referrals, CLV and cost per lead, read from the tables of migrations/0007_lifecycle.sql
// (and the leads of kpis.ts). The queries go into kpis.ts's D1 batch; shaping them is pure.
// Formulas: worker/analytics/README.md, "Lifecycle".
import type { RulesFile } from '../../rules/schema';
import { rate } from '../analytics/intervals';
import { DAY_MS } from '../lib/time';
import type { Lifecycle, RetentionCohort } from '../schema/stats';

type Row = Record<string, unknown>;
type Query = (name: string, sql: string, ...values: unknown[]) => void;
interface Range {
  from: string;
  to: string;
}

const num = (value: unknown): number => (typeof value === 'number' ? value : Number(value ?? 0));
const text = (value: unknown): string | null => (value == null ? null : String(value));

/** People, not devices: a visitor merged into a user's profile is counted as that user only. */
const LIVE = `WITH live AS (SELECT * FROM people p WHERE p.site = ?
  AND NOT EXISTS (SELECT 1 FROM person_links l WHERE l.site = p.site AND l.vh = p.vh))`;

/** Adds the section's queries to the batch; `end` is the first millisecond after the range. */
export function lifecycleQueries(q: Query, site: string, rules: RulesFile, range: Range): void {
  const start = Date.parse(`${range.from}T00:00:00Z`);
  const end = Date.parse(`${range.to}T00:00:00Z`) + DAY_MS;
  const { dormant_days, currency } = rules.lifecycle;
  q('lc_new', `${LIVE} SELECT customer_at, activated_at FROM live WHERE customer_at >= ? AND customer_at < ?`, site, start, end);
  q(
    'lc_retention',
    `${LIVE} SELECT strftime('%Y-%m', p.customer_at / 1000, 'unixepoch') AS cohort, substr(d.day, 1, 7) AS month,
            COUNT(DISTINCT d.vh) AS active
     FROM live p JOIN customer_days d ON d.site = p.site AND d.vh = p.vh AND d.day <= ?
     WHERE p.customer_at >= ? AND p.customer_at < ?
     GROUP BY cohort, month`,
    site,
    range.to,
    start,
    end,
  );
  q(
    'lc_customers',
    `${LIVE} SELECT COUNT(*) AS customers, SUM(taken >= 2) AS multi,
            SUM(julianday(?) - julianday(COALESCE(last_day, date(customer_at / 1000, 'unixepoch'))) > ? OR (taken > 0 AND open = 0)) AS churned
     FROM (SELECT p.customer_at,
             (SELECT MAX(d.day) FROM customer_days d WHERE d.site = p.site AND d.vh = p.vh AND d.day <= ?) AS last_day,
             (SELECT COUNT(*) FROM person_products x WHERE x.site = p.site AND x.vh = p.vh AND x.taken_at < ?) AS taken,
             (SELECT COUNT(*) FROM person_products x WHERE x.site = p.site AND x.vh = p.vh AND x.taken_at < ?
                AND (x.closed_at IS NULL OR x.closed_at >= ?)) AS open
           FROM live p WHERE p.customer_at < ?)`,
    site,
    range.to,
    dormant_days,
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
  q('lc_winbacks', 'SELECT vh, offer FROM winbacks WHERE site = ? AND day BETWEEN ? AND ?', site, range.from, range.to);
  q(
    'lc_referrals',
    `${LIVE} SELECT referrer, COUNT(*) AS visitors, SUM(lead_at IS NOT NULL) AS leads, SUM(customer_at IS NOT NULL) AS customers
     FROM live WHERE referred_at >= ? AND referred_at < ? GROUP BY referrer`,
    site,
    start,
    end,
  );
  q(
    'lc_clv',
    `${LIVE} SELECT p.source, p.medium, COUNT(*) AS customers,
            SUM(COALESCE((SELECT SUM(r.amount) FROM revenue r WHERE r.site = p.site AND r.vh = p.vh AND r.currency = ? AND r.day <= ?), 0)) AS revenue
     FROM live p WHERE p.customer_at < ? GROUP BY p.source, p.medium`,
    site,
    currency,
    range.to,
    end,
  );
  q(
    'lc_other_currency',
    'SELECT SUM(events) AS n FROM revenue WHERE site = ? AND currency != ? AND day <= ?',
    site,
    currency,
    range.to,
  );
  q(
    'lc_spend',
    'SELECT source, medium, SUM(amount) AS spend FROM spend WHERE site = ? AND day BETWEEN ? AND ? GROUP BY source, medium',
    site,
    range.from,
    range.to,
  );
}

/** Shapes the section; `leads` are kpis.ts's leads per first-touch channel in the range. */
export function lifecycleOf(rules: RulesFile, range: Range, get: (name: string) => Row[], leads: Row[]): Lifecycle {
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
      fresh.map(({ customer }) => customer),
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

function retentionOf(range: Range, customerTimes: number[], rows: Row[]): RetentionCohort[] {
  const sizes = new Map<string, number>();
  for (const at of customerTimes) {
    const cohort = new Date(at).toISOString().slice(0, 7);
    sizes.set(cohort, (sizes.get(cohort) ?? 0) + 1);
  }
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
