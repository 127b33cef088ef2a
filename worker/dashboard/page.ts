// The dashboard page: the KPIs of /v1/stats as cards, charts and tables in one server-rendered HTML
// document with inline SVG. No script: presets are links, the custom range and the filters a GET
// form, each table links its CSV, signing in and out are POST forms. Empty sections say what to do
// next (paste the tag, mark the form, write offers).
import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import { code, formatCount, funnelChart, intervalChart, lineChart, pct, shareBars } from './charts';
import type { FormFunnel, Kpis, OfferStats, OtherCount, SlotSummary, Totals } from '../schema/stats';
import { DEVICES, PERIODS, type Filters, type Period } from './range';
import { armLabel, journeyOf, tablesOf, type Cell, type Format, type Table } from './tables';

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

const CSS = `
body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1d2433;background:#f5f6f8}
header{background:#12355b;color:#fff;padding:14px 24px;display:flex;flex-wrap:wrap;gap:16px;align-items:center;justify-content:space-between}
header h1{font-size:19px;margin:0}
form.range{display:flex;gap:8px;align-items:end;flex-wrap:wrap}
nav.presets{display:flex;gap:6px;font-size:13px}nav.presets a{color:#fff;padding:3px 8px;border:1px solid #5d7fa6;border-radius:12px;text-decoration:none}
nav.presets a[aria-current]{background:#fff;color:#12355b}
.filters{font-size:13px;color:#5b6475;margin:0 0 12px}
a.csv{font-size:12px;margin-left:8px}
form.range label{display:flex;flex-direction:column;font-size:12px}
form.range input,form.range select,header button{font:inherit;padding:4px 6px}
form.signout{display:flex;gap:8px;align-items:center;font-size:12px}
main{padding:16px 24px;max-width:1100px;margin:0 auto}
section{background:#fff;border:1px solid #dde1e7;border-radius:8px;padding:14px 18px;margin:0 0 16px}
h2{font-size:17px;margin:0 0 8px}h3{font-size:15px;margin:12px 0 6px}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:10px}
.tile{background:#fff;border:1px solid #dde1e7;border-radius:8px;padding:10px 12px}
.tile b{display:block;font-size:24px}.tile span{font-size:12px;color:#5b6475}
.tile small{display:block;font-size:12px}.better{color:#1a7f37}.worse{color:#cf222e}.same{color:#5b6475}
ul.slots{padding-left:18px}ul.slots li{margin:3px 0}
.chart{width:100%;height:auto;max-width:760px;display:block}
.chart text{font-size:12px;fill:#1d2433}.chart .tick{fill:#5b6475;font-size:11px}
.grid{stroke:#e6e9ee}.zero{stroke:#8b93a1;stroke-dasharray:3 3}
.line{fill:none;stroke-width:2.5}.visitors{stroke:#1f6feb}.pageviews{stroke:#e8871e}.sessions{stroke:#2da44e}
.funnel-bar{fill:#1f6feb}.funnel-joint{fill:#bcd4fb}.bar{fill:#e8871e}
.interval{stroke-width:2.5;fill:none}.estimate{stroke:none}
.up{stroke:#2da44e;fill:#2da44e}.down{stroke:#cf222e;fill:#cf222e}.flat{stroke:#5b6475;fill:#5b6475}
.legend span{margin-right:14px;font-size:13px}.legend i{display:inline-block;width:12px;height:3px;margin-right:4px;vertical-align:middle}
.legend .visitors{background:#1f6feb}.legend .pageviews{background:#e8871e}.legend .sessions{background:#2da44e}
table{border-collapse:collapse;width:100%;font-size:14px;margin:6px 0}
th,td{text-align:right;padding:4px 8px;border-bottom:1px solid #eef0f3}th:first-child,td:first-child{text-align:left}
.empty{background:#fff8e6;border:1px solid #f0d78c;border-radius:6px;padding:10px 14px}
.note{color:#5b6475;font-size:13px}
pre{background:#f0f2f5;padding:8px;overflow:auto;font-size:13px}
`;

/** What the header shows: presets, the range and filter form, and who is signed in. */
export interface Frame {
  site: string;
  /** The sites this key may see. */
  sites: string[];
  from: string;
  to: string;
  /** The preset the range came from, if any. */
  period?: Period;
  filters?: Filters;
  /** The site's stages, for the stage filter. */
  stages?: string[];
  /** The kind of key a session was opened with, shown beside the sign-out button; null with a key in a header. */
  signedIn: 'admin' | 'read-only' | null;
  nonce: string;
}

export interface PageOptions extends Omit<Frame, 'site' | 'from' | 'to'> {
  kpis: Kpis;
  /** Where browsers reach this worker: its origin and any path prefix (NB_BASE_PATH), for the tag. */
  origin: string;
}

const PRESET_LABELS: Record<Period, string> = { today: 'Today', '7d': '7 days', '30d': '30 days', '90d': '90 days' };

/** The dashboard's query for this frame, with `changes` applied: what links and CSV downloads carry. */
function queryOf(
  frame: Pick<Frame, 'site' | 'from' | 'to' | 'period' | 'filters'>,
  changes: Record<string, string | undefined> = {},
): string {
  const base: Record<string, string | undefined> = {
    site: frame.site,
    ...(frame.period ? { period: frame.period } : { from: frame.from, to: frame.to }),
    ...frame.filters,
    ...changes,
  };
  return new URLSearchParams(
    Object.entries(base).filter((entry): entry is [string, string] => entry[1] !== undefined),
  ).toString();
}

export function dashboardPage({ kpis, origin, ...frame }: PageOptions): Html {
  const full = { ...frame, site: kpis.site, from: kpis.from, to: kpis.to };
  const tables = new Map(tablesOf(kpis).map((t) => [t.id, t]));
  const csv = (id: string) => `dashboard/csv?${queryOf(full, { table: id })}`;
  const ctx: Ctx = { tables, csv };
  const zone = kpis.timezone ?? 'UTC';
  return page(
    full,
    html`${filterNote(frame.filters)} ${cards(kpis)} ${traffic(kpis, origin, ctx)} ${forms(kpis.forms ?? [], ctx)}
      ${offers(kpis.offers ?? [], kpis.slots ?? [], kpis.site, ctx)} ${stages(kpis, ctx)} ${lifecycle(kpis, ctx)} ${audiences(kpis, ctx)} ${other(kpis.other ?? [])}
      <p class="note">All counts are for days ${kpis.from} to ${kpis.to} in the site's time zone, ${zone} (rules <code>timezone</code>).
        The same numbers as JSON: <code>GET /v1/stats/${kpis.site}?${queryOf(full, { site: undefined })}&amp;compare=previous</code>. How each KPI is computed:
        worker/analytics/README.md.</p>`,
  );
}

/** The tables and where each one's CSV is, for the sections. */
interface Ctx {
  tables: Map<string, Table>;
  csv: (id: string) => string;
}

/** A table as HTML, with its CSV link; `label` may replace a cell's rendering. */
function tableHtml(ctx: Ctx, id: string, label?: (row: Cell[], i: number, cell: Cell) => Html | string | undefined): Html {
  const table = ctx.tables.get(id);
  if (!table) return html``;
  return html`<table data-table="${id}"><tr>${table.columns.map((c) => html`<th>${c.name}</th>`)}</tr>
    ${table.rows.map((row) => html`<tr>${row.map((cell, i) => html`<td>${label?.(row, i, cell) ?? formatCell(cell, table.columns[i].format)}</td>`)}</tr>`)}</table>
    ${csvLink(ctx, id)}`;
}

const csvLink = (ctx: Ctx, id: string) => html`<a class="csv" data-csv="${id}" href="${ctx.csv(id)}" download>Download CSV</a>`;

function formatCell(cell: Cell, format: Format): string {
  if (cell === null) return '–';
  if (typeof cell === 'string') return cell;
  if (format === 'share') return pct(cell);
  if (format === 'points') return signedPts(cell);
  if (format === 'percent') return leadPct(cell);
  return String(cell);
}

/** The dashboard's frame around a range it cannot show (e.g. From after To), saying what to change. */
export function rangeErrorPage(frame: Frame, problem: string): Html {
  return noticePage(
    frame,
    'range-error',
    html`<p><b>That range cannot be shown:</b> ${problem}.</p>
      <p>Pick a From date on or before the To date, at most a year apart, and press Show.</p>`,
  );
}

/** The dashboard's frame around a site the key may not see. */
export function siteErrorPage(frame: Frame, site: string): Html {
  return noticePage(
    frame,
    'site-error',
    html`<p><b>This key cannot see the site ${site}.</b> It is a read-only key of ${frame.sites.join(', ')}: pick one of them, or
      sign out and sign in with another key.</p>`,
  );
}

function noticePage(frame: Frame, name: string, notice: Html): Html {
  return page(frame, html`<section data-section="${name}"><div class="empty">${notice}</div></section>`);
}

/** The page with its header: the site, presets, the custom range and filters (a GET form), and sign-out. */
function page(frame: Frame, content: Html): Html {
  const { site, sites, from, to, period, filters = {}, stages: stageIds = [], signedIn, nonce } = frame;
  const option = (value: string, current: string | undefined, label = value) =>
    html`<option value="${value}" ${value === current ? 'selected' : ''}>${label}</option>`;
  return layout(
    `Nextbest · ${site}`,
    nonce,
    html`<header>
        <h1>Nextbest · ${site}</h1>
        <nav class="presets" data-presets>${(Object.keys(PERIODS) as Period[]).map(
          (p) =>
            html`<a href="dashboard?${queryOf({ site, from, to, filters }, { period: p, from: undefined, to: undefined })}" data-period="${p}" ${p === period ? html`aria-current="page"` : ''}>${PRESET_LABELS[p]}</a>`,
        )}</nav>
        <form class="range" method="get" action="dashboard">
          <label>Site <select name="site">${sites.map((s) => option(s, site))}</select></label>
          <label>From <input type="date" name="from" value="${from}" required></label>
          <label>To <input type="date" name="to" value="${to}" required></label>
          <label>Source <input name="source" value="${filters.source ?? ''}" placeholder="any" size="8"></label>
          <label>Medium <input name="medium" value="${filters.medium ?? ''}" placeholder="any" size="8"></label>
          <label>Device <select name="device">${option('', filters.device, 'any')}${DEVICES.map((d) => option(d, filters.device))}</select></label>
          <label>Stage <select name="stage">${option('', filters.stage, 'any')}${stageIds.map((s) => option(s, filters.stage))}</select></label>
          <button type="submit">Show</button>
        </form>
        ${
          signedIn
            ? html`<form class="signout" method="post" action="dashboard/logout"><span>${signedIn} key</span><button type="submit">Sign out</button></form>`
            : ''
        }
      </header>
      <main>${content}</main>`,
  );
}

export interface LoginOptions {
  nonce: string;
  /** Why the form is shown: no session, an ended one, a wrong key. */
  message: string;
  /** Where the form posts: /dashboard/login with the site and range to open after signing in. */
  action: string;
  sessionHours: number;
}

/** The sign-in form: the key is posted once, then a session cookie stands for it. */
export function loginPage({ nonce, message, action, sessionHours }: LoginOptions): Html {
  return layout(
    'Nextbest dashboard',
    nonce,
    html`<main><section>
      <h2>Nextbest dashboard</h2>
      <p data-message>${message}</p>
      <form method="post" action="${action}">
        <label>Key <input type="password" name="key" autocomplete="current-password" maxlength="500" required></label>
        <button type="submit">Sign in</button>
      </form>
      <p class="note">An admin key from NB_API_KEY (locally in .dev.vars; <code>npm run dev</code> prints it), or a read-only key
        of a site from NB_DASHBOARD_KEYS. You stay signed in for ${sessionHours} hours, or until you sign out.</p>
    </section></main>`,
  );
}

function layout(title: string, nonce: string, body: Html): Html {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer"><link rel="icon" href="data:,"><title>${title}</title><style nonce="${nonce}">${CSS}</style></head>
<body>${body}</body></html>`;
}

const FILTER_NAMES: Record<keyof Filters, string> = {
  source: 'source',
  medium: 'medium',
  device: 'device',
  stage: 'reached stage',
};

function filterNote(filters: Filters = {}): Html {
  const set = (Object.keys(FILTER_NAMES) as Array<keyof Filters>).filter((key) => filters[key] !== undefined);
  if (set.length === 0) return html``;
  return html`<p class="filters" data-filters>Filtered: ${set.map((key, i) => html`${i ? '; ' : ''}${FILTER_NAMES[key]} <b>${filters[key]}</b>`)}.
    Source, medium and device keep visitors with a page view so tagged in the range; stage keeps those who reached it by its end.
    Page views and offer events are then those of the kept visitors, and the lifecycle figures those of the kept people (any of
    their devices); bot batches, audiences and left-out counts are not filtered.</p>`;
}

interface Card {
  key: keyof Totals;
  label: string;
  /** How the change is shown: a relative change of a count or amount, or a difference in points of a rate. */
  kind: 'count' | 'share' | 'percent' | 'money';
  /** Whether more is better (bounce rate and bots: less is). */
  higherIsBetter: boolean;
}

const CARDS: Card[] = [
  { key: 'unique_visitors', label: 'unique visitors', kind: 'count', higherIsBetter: true },
  { key: 'visitors', label: 'visitors (per day, summed)', kind: 'count', higherIsBetter: true },
  { key: 'page_views', label: 'page views', kind: 'count', higherIsBetter: true },
  { key: 'sessions', label: 'sessions', kind: 'count', higherIsBetter: true },
  { key: 'bounce_rate', label: 'bounce rate', kind: 'share', higherIsBetter: false },
  { key: 'form_submissions', label: 'form submissions', kind: 'count', higherIsBetter: true },
  { key: 'leads', label: 'leads', kind: 'count', higherIsBetter: true },
  { key: 'lead_to_customer_pct', label: 'lead → customer', kind: 'percent', higherIsBetter: true },
  { key: 'bot_batches', label: 'bot batches ignored', kind: 'count', higherIsBetter: false },
];

const LIFECYCLE_CARDS: Card[] = [
  { key: 'new_customers', label: 'new customers', kind: 'count', higherIsBetter: true },
  { key: 'activation_rate', label: 'activation rate', kind: 'share', higherIsBetter: true },
  { key: 'churn_rate', label: 'churn rate', kind: 'share', higherIsBetter: false },
  { key: 'cross_sell_rate', label: 'cross-sell rate (2+ products)', kind: 'share', higherIsBetter: true },
  { key: 'winback_rate', label: 'win-back rate', kind: 'share', higherIsBetter: true },
  { key: 'referred_visitors', label: 'referred visitors', kind: 'count', higherIsBetter: true },
  { key: 'clv', label: 'revenue per customer (CLV)', kind: 'money', higherIsBetter: true },
  { key: 'cost_per_lead', label: 'cost per lead', kind: 'money', higherIsBetter: false },
];

function shownValue(card: Card, value: number | null): string {
  if (card.kind === 'share') return pct(value);
  if (card.kind === 'percent') return leadPct(value);
  if (card.kind === 'money') return value === null ? '–' : value.toLocaleString('en', { maximumFractionDigits: 2 });
  return value === null ? '–' : formatCount(value);
}

/** KPI cards, each with its change against the previous period when it was loaded. */
function cards({ totals, previous }: Kpis, list = CARDS, section = 'tiles'): Html {
  if (!totals) return html``;
  return html`<div class="tiles" data-section="${section}">
    ${list.map((card) => {
      const value = totals[card.key];
      return html`<div class="tile" data-kpi="${card.key}"><b>${shownValue(card, value)}</b><span>${card.label}</span>${previous ? change(card, value, previous.totals[card.key]) : ''}</div>`;
    })}
  </div>`;
}

/** "+12%" (counts) or "+1.5 pts" (rates) against the previous period, coloured by whether it is better. */
function change(card: Card, now: number | null, before: number | null): Html {
  const title = `previous period: ${before === null ? '–' : card.kind === 'count' ? before : shownValue(card, before)}`;
  let text: string;
  let delta: number;
  if (now === null || before === null) return html`<small class="same" data-change title="${title}">– vs previous</small>`;
  if (card.kind === 'count' || card.kind === 'money') {
    delta = now - before;
    text =
      before === 0 ? (now === 0 ? '±0%' : 'new') : `${delta >= 0 ? '+' : '−'}${Math.abs(Math.round((delta * 100) / before))}%`;
  } else {
    delta = card.kind === 'share' ? (now - before) * 100 : now - before;
    text = `${delta >= 0 ? '+' : '−'}${Math.abs(delta).toFixed(1)} pts`;
  }
  const tone = delta === 0 ? 'same' : delta > 0 === card.higherIsBetter ? 'better' : 'worse';
  return html`<small class="${tone}" data-change title="${title}">${text} vs previous</small>`;
}

function traffic({ traffic: t, site }: Kpis, origin: string, ctx: Ctx): Html {
  if (!t || t.page_views === 0) {
    return html`<section data-section="traffic"><h2>Visitors</h2><div class="empty">
      <p><b>No page views in this range yet.</b> Paste the tag into every page of the site, before <code>&lt;/head&gt;</code>:</p>
      ${code(`<script async src="${origin}/nb.js" data-site="${site}"></script>\n<script>window.nb=window.nb||function(){(nb.q=nb.q||[]).push(arguments)}</script>`)}
      <p>Also allow the site's origin in <code>rules/${site}.json</code> (<code>origins</code>). Locally, <code>npm run demo:traffic</code> fills this dashboard with simulated visitors.</p>
      ${t?.bot_batches ? html`<p data-bots>${t.bot_batches} batches from bots were ignored in this range.</p>` : ''}
    </div></section>`;
  }
  return html`<section data-section="traffic"><h2>Visitors</h2>
    <p class="legend"><span><i class="visitors"></i>visitors</span><span><i class="pageviews"></i>page views</span><span><i class="sessions"></i>sessions</span>${csvLink(ctx, 'daily')}</p>
    ${lineChart(
      'visitors',
      'Visitors, page views and sessions per day',
      t.daily.map((d) => d.day),
      [
        { name: 'visitors', className: 'visitors', values: t.daily.map((d) => d.visitors) },
        { name: 'page views', className: 'pageviews', values: t.daily.map((d) => d.page_views) },
        { name: 'sessions', className: 'sessions', values: t.daily.map((d) => d.sessions) },
      ],
    )}
    <p class="note" data-bots>Bots: ${t.bot_batches} batches ignored (by user agent), counted in no figure above.</p>
    <h3>Top pages</h3>
    ${tableHtml(ctx, 'top-pages')}
    <p class="note">Paths are grouped into pages: index files, <code>.html</code> and trailing slashes are dropped, then the rules'
      <code>path_aliases</code> apply.</p>
  </section>`;
}

function forms(funnels: FormFunnel[], ctx: Ctx): Html {
  if (funnels.length === 0) {
    return html`<section data-section="forms"><h2>Form funnels</h2><div class="empty">
      <p><b>No form activity in this range.</b> Mark a multi-step form so its steps are tracked (no field values are ever sent):</p>
      ${code('<form data-nb-form="mortgage-app">\n  <fieldset data-nb-step="1" data-nb-step-name="about-you">…</fieldset>\n  <fieldset data-nb-step="2" data-nb-step-name="income">…</fieldset>\n</form>')}
    </div></section>`;
  }
  return html`<section data-section="forms"><h2>Form funnels</h2>
    ${funnels.map(
      (
        f,
      ) => html`<h3>${f.form}: ${f.started} started, ${f.submitted} submitted (${pct(f.completion_rate)}), ${f.abandoned} abandoned</h3>
        ${funnelChart(`funnel-${f.form}`, `${f.form} funnel`, [
          ...f.steps.map((s) => ({ label: stepLabel(s.step, s.name), value: s.reached })),
          { label: 'submitted', value: f.submitted },
        ])}
        <h3>Drop-off after each step</h3>
        ${shareBars(
          `dropoff-${f.form}`,
          `${f.form} drop-off per step`,
          f.steps.map((s) => ({ label: stepLabel(s.step, s.name), share: s.drop_off })),
        )}
        ${tableHtml(ctx, `funnel-${f.form}`)}`,
    )}
    <p class="note">Step labels come from the rules' <code>forms</code> when they name them, otherwise from the label most of the
      range's step events carried (<code>data-nb-step-name</code> in the form's markup).</p>
  </section>`;
}

const stepLabel = (step: number, name: string | null) => (name ? `${step}. ${name}` : `step ${step}`);

/** One line per slot: the winner and its lift, or what is missing. */
function slotLine(s: SlotSummary): Html {
  const arm = s.offer && s.arm ? html`<b>${s.offer}</b> ${s.arm === '-' ? '' : html`variant <b>${armLabel(s.arm)}</b>`}` : '';
  const lift = s.lift ? `${signedPts(s.lift.difference)} pts (95% CI ${signedPts(s.lift.low)} to ${signedPts(s.lift.high)})` : '';
  const what = {
    winner: () => html`${arm} wins: ${lift} over the holdout`,
    holdout_wins: () => html`the holdout wins: showing nothing beats ${arm} (${lift})`,
    not_enough_data: () =>
      html`not enough data yet: about <b>${(s.visitors_needed ?? 0).toLocaleString('en')}</b> more exposed visitors needed${
        s.lift ? html` (${arm} is at ${lift})` : ''
      }`,
    no_holdout: () => html`no offer here holds visitors out, so no lift is measured (set <code>holdout</code> on an offer)`,
    no_offers: () => html`no offer targets this slot`,
  }[s.verdict]();
  return html`<li data-slot="${s.slot}" data-verdict="${s.verdict}"><code>${s.slot}</code>: ${what}</li>`;
}

function offers(list: OfferStats[], slots: SlotSummary[], site: string, ctx: Ctx): Html {
  if (list.length === 0) {
    return html`<section data-section="offers"><h2>Offers</h2><div class="empty">
      <p><b>No offer was shown in this range.</b> Write offers in <code>rules/${site}.json</code> (slots, eligibility, variants and a
      <code>holdout</code> share to measure lift), check them with <code>npm run rules -- check rules/${site}.json</code>, and put
      <code>&lt;div data-nb-slot="hero"&gt;&lt;/div&gt;</code> where a banner may appear.</p>
    </div></section>`;
  }
  return html`<section data-section="offers"><h2>Offers</h2>
    ${slots.length ? html`<h3>Winner per slot</h3><ul class="slots" data-table="slots">${slots.map(slotLine)}</ul>${csvLink(ctx, 'slots')}` : ''}
    ${list.map((o) => {
      const rows = o.arms.filter((a) => a.lift);
      const against =
        o.lift_against === 'next_best'
          ? html`<p class="note">Held-out visitors see the next-best offer: the lift is ${o.offer} against the runner-up.</p>`
          : o.lift_against === 'empty'
            ? html`<p class="note">Held-out visitors see nothing: the lift is ${o.offer} against no offer.</p>`
            : '';
      return html`<h3>${o.offer}</h3>${against}
        ${tableHtml(ctx, `offer-${o.offer}`, (row, i, cell) => (i >= 9 && cell === null && row[0] === 'holdout' ? 'baseline' : undefined))}
        ${
          rows.length
            ? intervalChart(
                `lift-${o.offer}`,
                `${o.offer}: lift of the submit rate over the holdout`,
                rows.map((a) => ({
                  label: a.arm === '-' ? 'shown' : `variant ${a.arm}`,
                  estimate: a.lift!.difference,
                  low: a.lift!.low,
                  high: a.lift!.high,
                  significant: a.lift!.significant,
                })),
              )
            : html`<p class="note">No lift yet: it needs exposed visitors in a variant and in the holdout (set <code>holdout</code> on the offer).</p>`
        }`;
    })}
    <p class="note">Lift: form-submission rate of exposed visitors minus the holdout's, in percentage points, with Newcombe's 95% hybrid
      score interval; green or red when the interval excludes zero. A slot's winner is the arm with the largest lift whose interval
      is above zero; until one is, the visitors still needed are those for 80% power at the lift seen so far (or 20% of the baseline).</p>
  </section>`;
}

const signedPts = (v: number) => `${v >= 0 ? '+' : ''}${(v * 100).toFixed(1)}`;

function stages({ stages: s }: Kpis, ctx: Ctx): Html {
  if (!s) return html``;
  const entered = s.entered.filter((e) => e.visitors > 0);
  const leadStages = s.lead_stages.map((id, i) => html`${i ? ', ' : ''}<code>${id}</code>`);
  return html`<section data-section="stages"><h2>Lifecycle stages</h2>
    ${
      entered.length
        ? html`${tableHtml(ctx, 'stages')}
        <p class="note">Each count is of visitors who first entered the stage during the range, not of those in it now: a
          customer also counts under the stages they passed on the way. A visitor's stage is the most advanced one whose
          condition holds, so one event can move them past several: a later stage may count more than an earlier one.</p>
        <p>Leads (first reached ${leadStages} in the range): ${s.leads ?? '–'}; became customers since: ${s.converted_leads ?? '–'}; lead → customer conversion:
          <b>${leadPct(s.lead_to_customer_pct)}</b></p>
        ${s.by_channel.length ? channels(ctx) : ''}`
        : html`<div class="empty"><p><b>No stage changes in this range.</b> Stages come from the <code>stages</code> of the site's rules file; visitors move through them as their events arrive.</p></div>`
    }
  </section>`;
}

const leadPct = (value: number | null) => (value == null ? '–' : `${value.toFixed(1)}%`);

function channels(ctx: Ctx): Html {
  const none = '(none)';
  return html`<h3>Lead → customer conversion by first-touch channel</h3>
    ${tableHtml(ctx, 'channels', (row, i, cell) => {
      if (i > 1) return undefined;
      if (row[0] === null && row[1] === null) return i === 0 ? 'direct or untagged' : '';
      return cell === null ? none : undefined;
    })}
    <p class="note">A lead's channel is the utm_source and utm_medium of their first page view that had either.</p>`;
}

/** The customer lifecycle: the journey, its KPI cards, and a table per breakdown (lifecycle.ts computes them). */
function lifecycle(kpis: Kpis, ctx: Ctx): Html {
  const l = kpis.lifecycle;
  if (!l) return html``;
  const journey = journeyOf(kpis);
  const days = l.time_to_activation_days === null ? '–' : `${l.time_to_activation_days.toFixed(1)} days`;
  const table = (id: string, title: string) =>
    ctx.tables.get(id)?.rows.length ? html`<h3>${title}</h3>${tableHtml(ctx, id)}` : '';
  return html`<section data-section="lifecycle"><h2>Customer lifecycle</h2>
    ${funnelChart(
      'lifecycle',
      'Visitor → lead → applicant → customer → active → dormant → won back',
      journey.map(([label, value]) => ({ label, value: value ?? 0 })),
    )}
    ${csvLink(ctx, 'lifecycle-journey')}
    <p class="note">Visitors and leads as above; customers are people who became customers by the end of the range (a person
      identified on several devices counts once), active those not dormant, dormant those with no activity for more than
      ${l.settings.dormant_days} days or every product closed, won back those active again in the range after a lapse.</p>
    ${cards(kpis, LIFECYCLE_CARDS, 'lifecycle-tiles')}
    <p>Median time to activation: <b>${days}</b> (activation within ${l.settings.activation_days} days of becoming a customer;
      ${l.activated} of ${l.new_customers} new customers). Referrals: ${l.referrals.visitors} visitors with a
      <code>?${l.settings.referral_param}=</code> code became ${l.referrals.leads} leads and ${l.referrals.customers} customers.
      Amounts in ${l.settings.currency}${l.clv.other_currency_events ? `; ${l.clv.other_currency_events} events in other currencies not summed` : ''}.</p>
    ${table('retention', 'Retention by monthly cohort of new customers')} ${table('cross-sell', 'Cross-sell conversions by offer')}
    ${table('winback-offers', 'Win-backs by the offer shown while lapsed')} ${table('referrers', 'Referrals by referrer')}
    ${table('clv', 'Customer lifetime value by first-touch channel')} ${table('cost-per-lead', 'Cost per lead by channel')}
    ${l.filters_ignored?.length ? html`<p class="note" data-filters-ignored>Not narrowed by the filters: ${l.filters_ignored.map((i, n) => html`${n ? '; ' : ''}${i.kpi.replaceAll('_', ' ')} (${i.filters.join(', ')}: ${i.reason})`)}.</p>` : ''}
  </section>`;
}

const SERIES_CLASSES = ['visitors', 'pageviews', 'sessions'];

function audiences({ audiences: list, traffic: t, site }: Kpis, ctx: Ctx): Html {
  if (!list) return html``;
  if (list.length === 0) {
    return html`<section data-section="audiences"><h2>Audience sizes</h2><div class="empty">
      <p><b>This site has no audiences yet.</b> Write them in <code>rules/${site}.json</code> under <code>audiences</code>: an id, a
      <code>when</code> condition, how many <code>days</code> a member stays, and <code>requires_consent: "ads"</code> for retargeting.
      Members then show here day by day and are listed by <code>GET /v1/audiences/${site}/&lt;id&gt;</code> for ad platforms.</p>
      ${code(`"audiences": [\n  { "id": "mortgage_abandoners", "when": { "forms.mortgage-app.abandoned": true }, "days": 30, "requires_consent": "ads" }\n]`)}
    </div></section>`;
  }
  const days = list[0].daily.map((d) => d.day);
  const className = (i: number) => SERIES_CLASSES[i % SERIES_CLASSES.length];
  return html`<section data-section="audiences"><h2>Audience sizes</h2>
    ${lineChart(
      'audiences',
      'Audience members per day',
      days,
      list.map((a, i) => ({ name: a.audience, className: className(i), values: a.daily.map((d) => d.size) })),
    )}
    <p class="legend">${list.map((a, i) => html`<span><i class="${className(i)}"></i>${a.audience} (${a.daily.at(-1)?.size ?? 0} now)</span>`)}${csvLink(ctx, 'audiences')}</p>
    ${t && list.every((a) => a.daily.every((d) => d.size === 0)) ? html`<p class="note">Members join with ads consent only (see <code>audiences</code> in the rules).</p>` : ''}
  </section>`;
}

/** Shown only when something was left out: names past a cap, or offers the rules do not name. */
function other(counts: OtherCount[]): Html {
  const shown = counts.filter((c) => c.other_events > 0 || (c.cap !== null && c.names === c.cap));
  if (shown.length === 0) return html``;
  const what = (c: OtherCount) =>
    c.cap === null
      ? 'offer events naming an offer or variant that is not in the rules (no row of their own)'
      : `${c.kind.slice(0, -1)} names: ${c.names} of at most ${c.cap} kept, events naming any other counted under "(other)"`;
  return html`<section data-section="other"><h2>Left out</h2>
    <table><tr><th>what</th><th>events in the range</th></tr>
    ${shown.map((c) => html`<tr><td>${what(c)}</td><td>${c.other_events}</td></tr>`)}</table>
    <p class="note">Anyone can post events, so the rollups keep rows for the first names of each kind only, and never for offers the rules do not list.</p>
  </section>`;
}
