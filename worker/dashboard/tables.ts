// Every table of the dashboard as data (columns with a format, rows of raw values): the page draws
// them as HTML and /dashboard/csv sends one as CSV, so the download holds exactly what is shown,
// unrounded.
import type { Kpis, OfferArm } from '../schema/stats';

export type Cell = string | number | null;
/** share: a fraction (0.031 is 3.1%); points: a difference of fractions; percent: already × 100. */
export type Format = 'text' | 'count' | 'share' | 'points' | 'percent';
export interface Column {
  name: string;
  format: Format;
}
export interface Table {
  /** Names the table in the page (data-table) and in the CSV's URL and file name. */
  id: string;
  title: string;
  columns: Column[];
  rows: Cell[][];
}

const text = (name: string): Column => ({ name, format: 'text' });
const count = (name: string): Column => ({ name, format: 'count' });
const share = (name: string): Column => ({ name, format: 'share' });
const points = (name: string): Column => ({ name, format: 'points' });

/** How the page and the CSV name an arm: "-" (an offer without variants) is the banner as shown. */
export const armLabel = (arm: string) => (arm === '-' ? 'shown' : arm);

function offerRow(a: OfferArm): Cell[] {
  return [
    armLabel(a.arm),
    a.impressions,
    a.clicks,
    a.ctr,
    a.conversions,
    a.cvr,
    a.exposed,
    a.goal_visitors,
    a.goal_rate,
    a.lift?.difference ?? null,
    a.lift?.low ?? null,
    a.lift?.high ?? null,
  ];
}

/** The tables of these KPIs, in page order; a section not loaded has none. */
export function tablesOf(kpis: Kpis): Table[] {
  const tables: Table[] = [];
  const t = kpis.traffic;
  if (t) {
    tables.push({
      id: 'daily',
      title: 'Visitors, page views and sessions per day',
      columns: [text('day'), count('visitors'), count('page views'), count('sessions')],
      rows: t.daily.map((d) => [d.day, d.visitors, d.page_views, d.sessions]),
    });
    tables.push({
      id: 'top-pages',
      title: 'Top pages',
      columns: [text('page'), count('views')],
      rows: t.top_pages.map((p) => [p.path, p.views]),
    });
  }
  for (const f of kpis.forms ?? []) {
    tables.push({
      id: `funnel-${f.form}`,
      title: `${f.form} funnel`,
      columns: [count('step'), text('label'), count('visitors who reached it'), share('drop-off after it')],
      rows: [...f.steps.map((s) => [s.step, s.name, s.reached, s.drop_off]), [null, 'submitted', f.submitted, null]],
    });
  }
  if (kpis.slots?.length) {
    tables.push({
      id: 'slots',
      title: 'Winner per slot',
      columns: [
        text('slot'),
        text('verdict'),
        text('offer'),
        text('arm'),
        points('lift'),
        points('lift low (95%)'),
        points('lift high (95%)'),
        count('visitors still needed'),
      ],
      rows: kpis.slots.map((s) => [
        s.slot,
        s.verdict,
        s.offer,
        s.arm && armLabel(s.arm),
        s.lift?.difference ?? null,
        s.lift?.low ?? null,
        s.lift?.high ?? null,
        s.visitors_needed,
      ]),
    });
  }
  for (const o of kpis.offers ?? []) {
    tables.push({
      id: `offer-${o.offer}`,
      title: o.offer,
      columns: [
        text('arm'),
        count('impressions'),
        count('clicks'),
        share('CTR'),
        count('conversions'),
        share('CVR'),
        count('exposed'),
        count('submitted after'),
        share('rate'),
        points('lift vs holdout'),
        points('lift low (95%)'),
        points('lift high (95%)'),
      ],
      rows: [...o.arms, ...(o.holdout ? [o.holdout] : [])].map(offerRow),
    });
  }
  const s = kpis.stages;
  if (s) {
    tables.push({
      id: 'stages',
      title: 'Lifecycle stages',
      columns: [text('stage, in funnel order'), text('label'), count('visitors who entered it in the range')],
      rows: s.entered.map((e) => [e.stage, e.label, e.visitors]),
    });
    tables.push({
      id: 'channels',
      title: 'Lead → customer conversion by first-touch channel',
      columns: [
        text('source'),
        text('medium'),
        count('leads'),
        count('became customers'),
        { name: 'conversion', format: 'percent' },
      ],
      rows: s.by_channel.map((c) => [c.source, c.medium, c.leads, c.converted_leads, c.lead_to_customer_pct]),
    });
  }
  if (kpis.lifecycle) tables.push(...lifecycleTables(kpis));
  if (kpis.audiences?.length) {
    tables.push({
      id: 'audiences',
      title: 'Audience members per day',
      columns: [text('audience'), text('day'), count('members'), count('joins'), count('leaves')],
      rows: kpis.audiences.flatMap((a) => a.daily.map((d) => [a.audience, d.day, d.size, d.joins, d.leaves])),
    });
  }
  return tables;
}

/** The stages of a customer's life, visitor to won back, with how many people are at each. */
export function journeyOf({ traffic, stages, lifecycle: l }: Kpis): Array<[string, number | null]> {
  if (!l) return [];
  const entered = (id: string) => stages?.entered.find((e) => e.stage === id)?.visitors ?? null;
  return [
    ['visitor', traffic?.unique_visitors ?? null],
    ['lead', stages?.leads ?? null],
    ['applicant', entered('applicant')],
    ['customer', l.customers],
    ['active', l.customers - l.churned],
    ['dormant', l.churned],
    ['won back', l.won_back],
  ];
}

function lifecycleTables(kpis: Kpis): Table[] {
  const l = kpis.lifecycle!;
  const money = (name: string): Column => ({ name: `${name} (${l.settings.currency})`, format: 'count' });
  const months = Math.max(0, ...l.retention.map((c) => c.months.length));
  const channel = (c: { source: string | null; medium: string | null }) => [c.source, c.medium];
  return [
    {
      id: 'lifecycle-journey',
      title: 'Customer lifecycle',
      columns: [text('stage'), count('people')],
      rows: journeyOf(kpis),
    },
    {
      id: 'retention',
      title: 'Retention by monthly cohort of new customers',
      columns: [text('cohort'), count('customers'), ...Array.from({ length: months }, (_, m) => share(`month ${m}`))],
      rows: l.retention.map((c) => [
        c.cohort,
        c.customers,
        ...Array.from({ length: months }, (_, m) => c.months[m]?.rate ?? null),
      ]),
    },
    {
      id: 'cross-sell',
      title: 'Cross-sell conversions by offer',
      columns: [text('offer'), count('conversions by customers')],
      rows: l.cross_sell_conversions.map((c) => [c.offer, c.conversions]),
    },
    {
      id: 'winback-offers',
      title: 'Win-backs by the offer shown while lapsed',
      columns: [text('offer'), count('won back')],
      rows: l.winback_offers.map((w) => [w.offer, w.won_back]),
    },
    {
      id: 'referrers',
      title: 'Referrals by referrer',
      columns: [text('referrer'), count('visitors'), count('leads'), count('customers')],
      rows: l.referrals.by_referrer.map((r) => [r.referrer, r.visitors, r.leads, r.customers]),
    },
    {
      id: 'clv',
      title: 'Customer lifetime value by first-touch channel',
      columns: [text('source'), text('medium'), count('customers'), money('revenue'), money('CLV')],
      rows: l.clv.by_channel.map((c) => [...channel(c), c.customers, c.revenue, c.clv]),
    },
    {
      id: 'cost-per-lead',
      title: 'Cost per lead by channel',
      columns: [text('source'), text('medium'), money('spend'), count('leads'), money('cost per lead')],
      rows: l.cost_per_lead.by_channel.map((c) => [...channel(c), c.spend, c.leads, c.cost_per_lead]),
    },
  ];
}

/**
 * RFC 4180 CSV with a header row. A text cell that a spreadsheet would run as a formula (= + - @,
 * tab, CR) gets a leading apostrophe: page paths and labels come from visitors.
 */
export function toCsv(table: Table): string {
  const cell = (value: Cell, format: Format): string => {
    if (value === null) return '';
    if (typeof value === 'number' && format !== 'text') return String(value);
    const raw = String(value);
    const safe = /^[=+\-@\t\r]/.test(raw) ? `'${raw}` : raw;
    return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
  };
  const lines = [
    table.columns.map((c) => cell(c.name, 'text')),
    ...table.rows.map((row) => row.map((value, i) => cell(value, table.columns[i].format))),
  ];
  return `${lines.map((line) => line.join(',')).join('\r\n')}\r\n`;
}
