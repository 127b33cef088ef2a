// The dashboard page: the KPIs of /v1/stats as tiles, charts and tables in one server-rendered HTML
// document with inline SVG. No script; the date range picker is a GET form, signing in and out are
// POST forms. Empty sections say what to do next (paste the tag, mark the form, write offers).
import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import { code, formatCount, funnelChart, intervalChart, lineChart, pct, shareBars } from './charts';
import type { FormFunnel, Kpis, LeadChannel, OfferStats, OtherCount } from '../schema/stats';

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

const CSS = `
body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1d2433;background:#f5f6f8}
header{background:#12355b;color:#fff;padding:14px 24px;display:flex;flex-wrap:wrap;gap:16px;align-items:center;justify-content:space-between}
header h1{font-size:19px;margin:0}
form.range{display:flex;gap:8px;align-items:end;flex-wrap:wrap}
form.range label{display:flex;flex-direction:column;font-size:12px}
form.range input,form.range select,header button{font:inherit;padding:4px 6px}
form.signout{display:flex;gap:8px;align-items:center;font-size:12px}
main{padding:16px 24px;max-width:1100px;margin:0 auto}
section{background:#fff;border:1px solid #dde1e7;border-radius:8px;padding:14px 18px;margin:0 0 16px}
h2{font-size:17px;margin:0 0 8px}h3{font-size:15px;margin:12px 0 6px}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:10px}
.tile{background:#fff;border:1px solid #dde1e7;border-radius:8px;padding:10px 12px}
.tile b{display:block;font-size:24px}.tile span{font-size:12px;color:#5b6475}
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

/** What the header shows: the range form, and who is signed in. */
export interface Frame {
  site: string;
  /** The sites this key may see. */
  sites: string[];
  from: string;
  to: string;
  /** The kind of key a session was opened with, shown beside the sign-out button; null with a key in a header. */
  signedIn: 'admin' | 'read-only' | null;
  nonce: string;
}

export interface PageOptions extends Omit<Frame, 'site' | 'from' | 'to'> {
  kpis: Kpis;
  /** Where browsers reach this worker: its origin and any path prefix (NB_BASE_PATH), for the tag. */
  origin: string;
}

export function dashboardPage({ kpis, origin, ...frame }: PageOptions): Html {
  return page(
    { ...frame, site: kpis.site, from: kpis.from, to: kpis.to },
    html`${tiles(kpis)} ${traffic(kpis, origin)} ${forms(kpis.forms ?? [])} ${offers(kpis.offers ?? [], kpis.site)} ${stages(kpis)}
      ${audiences(kpis)} ${other(kpis.other ?? [])}
      <p class="note">All counts are for UTC days ${kpis.from} to ${kpis.to}. The same numbers as JSON:
        <code>GET /v1/stats/${kpis.site}?from=${kpis.from}&amp;to=${kpis.to}</code>. How each KPI is computed: worker/analytics/README.md.</p>`,
  );
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

/** The page with its header: the site picker and the date range form (a GET form), and sign-out. */
function page({ site, sites, from, to, signedIn, nonce }: Frame, content: Html): Html {
  return layout(
    `Nextbest · ${site}`,
    nonce,
    html`<header>
        <h1>Nextbest · ${site}</h1>
        <form class="range" method="get" action="dashboard">
          <label>Site <select name="site">${sites.map((s) => html`<option value="${s}" ${s === site ? 'selected' : ''}>${s}</option>`)}</select></label>
          <label>From <input type="date" name="from" value="${from}" required></label>
          <label>To <input type="date" name="to" value="${to}" required></label>
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

function tiles({ traffic: t, stages: s }: Kpis): Html {
  const tile = (label: string, value: string) => html`<div class="tile"><b>${value}</b><span>${label}</span></div>`;
  return html`<div class="tiles" data-section="tiles">
    ${tile('unique visitors', formatCount(t?.unique_visitors ?? 0))} ${tile('visitors (per day, summed)', formatCount(t?.visitors ?? 0))}
    ${tile('page views', formatCount(t?.page_views ?? 0))} ${tile('sessions', formatCount(t?.sessions ?? 0))}
    ${tile('bounce rate', pct(t?.bounce_rate ?? null))} ${tile('leads', formatCount(s?.leads ?? 0))}
    ${tile('lead → customer', leadPct(s?.lead_to_customer_pct ?? null))}
  </div>`;
}

function traffic({ traffic: t, site }: Kpis, origin: string): Html {
  if (!t || t.page_views === 0) {
    return html`<section data-section="traffic"><h2>Visitors</h2><div class="empty">
      <p><b>No page views in this range yet.</b> Paste the tag into every page of the site, before <code>&lt;/head&gt;</code>:</p>
      ${code(`<script async src="${origin}/nb.js" data-site="${site}"></script>\n<script>window.nb=window.nb||function(){(nb.q=nb.q||[]).push(arguments)}</script>`)}
      <p>Also allow the site's origin in <code>rules/${site}.json</code> (<code>origins</code>). Locally, <code>npm run demo:traffic</code> fills this dashboard with simulated visitors.</p>
    </div></section>`;
  }
  return html`<section data-section="traffic"><h2>Visitors</h2>
    <p class="legend"><span><i class="visitors"></i>visitors</span><span><i class="pageviews"></i>page views</span><span><i class="sessions"></i>sessions</span></p>
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
    <h3>Top pages</h3>
    <table><tr><th>page</th><th>views</th></tr>${t.top_pages.map((p) => html`<tr><td>${p.path}</td><td>${p.views}</td></tr>`)}</table>
  </section>`;
}

function forms(funnels: FormFunnel[]): Html {
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
        )}`,
    )}
  </section>`;
}

const stepLabel = (step: number, name: string | null) => (name ? `${step}. ${name}` : `step ${step}`);

function offers(list: OfferStats[], site: string): Html {
  if (list.length === 0) {
    return html`<section data-section="offers"><h2>Offers</h2><div class="empty">
      <p><b>No offer was shown in this range.</b> Write offers in <code>rules/${site}.json</code> (slots, eligibility, variants and a
      <code>holdout</code> share to measure lift), check them with <code>npm run rules -- check rules/${site}.json</code>, and put
      <code>&lt;div data-nb-slot="hero"&gt;&lt;/div&gt;</code> where a banner may appear.</p>
    </div></section>`;
  }
  return html`<section data-section="offers"><h2>Offers</h2>
    ${list.map((o) => {
      const rows = o.arms.filter((a) => a.lift);
      return html`<h3>${o.offer}</h3>
        <table><tr><th>arm</th><th>impressions</th><th>clicks</th><th>CTR</th><th>conversions</th><th>CVR</th><th>exposed</th><th>submitted after</th><th>rate</th><th>lift vs holdout (95% CI)</th></tr>
        ${[...o.arms, ...(o.holdout ? [o.holdout] : [])].map(
          (
            a,
          ) => html`<tr><td>${a.arm === '-' ? 'shown' : a.arm}</td><td>${a.impressions}</td><td>${a.clicks}</td><td>${pct(a.ctr)}</td><td>${a.conversions}</td>
            <td>${pct(a.cvr)}</td><td>${a.exposed}</td><td>${a.goal_visitors}</td><td>${pct(a.goal_rate)}</td>
            <td>${a.lift ? `${signedPts(a.lift.difference)} (${signedPts(a.lift.low)} to ${signedPts(a.lift.high)})` : a === o.holdout ? 'baseline' : '–'}</td></tr>`,
        )}</table>
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
    <p class="note">Lift: form-submission rate of exposed visitors minus the holdout's, in percentage points, with Newcombe's 95% hybrid score interval; green or red when the interval excludes zero.</p>
  </section>`;
}

const signedPts = (v: number) => `${v >= 0 ? '+' : ''}${(v * 100).toFixed(1)}`;

function stages({ stages: s }: Kpis): Html {
  if (!s) return html``;
  const entered = s.entered.filter((e) => e.visitors > 0);
  const leadStages = s.lead_stages.map((id, i) => html`${i ? ', ' : ''}<code>${id}</code>`);
  return html`<section data-section="stages"><h2>Lifecycle stages</h2>
    ${
      entered.length
        ? html`<table><tr><th>stage, in funnel order</th><th>visitors who entered it in the range</th></tr>
          ${s.entered.map((e) => html`<tr><td>${e.stage}${e.label ? html` <span class="note">· ${e.label}</span>` : ''}</td><td>${e.visitors}</td></tr>`)}</table>
        <p class="note">Each count is of visitors who first entered the stage during the range, not of those in it now: a
          customer also counts under the stages they passed on the way. A visitor's stage is the most advanced one whose
          condition holds, so one event can move them past several: a later stage may count more than an earlier one.</p>
        <p>Leads (first reached ${leadStages} in the range): ${s.leads ?? '–'}; became customers since: ${s.converted_leads ?? '–'}; lead → customer conversion:
          <b>${leadPct(s.lead_to_customer_pct)}</b></p>
        ${s.by_channel.length ? channels(s.by_channel) : ''}`
        : html`<div class="empty"><p><b>No stage changes in this range.</b> Stages come from the <code>stages</code> of the site's rules file; visitors move through them as their events arrive.</p></div>`
    }
  </section>`;
}

const leadPct = (value: number | null) => (value == null ? '–' : `${value.toFixed(1)}%`);

function channels(list: LeadChannel[]): Html {
  const name = (value: string | null) => value ?? '(none)';
  return html`<h3>Lead → customer conversion by first-touch channel</h3>
    <table data-table="channels"><tr><th>source / medium</th><th>leads</th><th>became customers</th><th>conversion</th></tr>
    ${list.map(
      (
        c,
      ) => html`<tr><td>${c.source === null && c.medium === null ? 'direct or untagged' : `${name(c.source)} / ${name(c.medium)}`}</td>
        <td>${c.leads}</td><td>${c.converted_leads}</td><td>${leadPct(c.lead_to_customer_pct)}</td></tr>`,
    )}</table>
    <p class="note">A lead's channel is the utm_source and utm_medium of their first page view that had either.</p>`;
}

const SERIES_CLASSES = ['visitors', 'pageviews', 'sessions'];

function audiences({ audiences: list, traffic: t, site }: Kpis): Html {
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
    <p class="legend">${list.map((a, i) => html`<span><i class="${className(i)}"></i>${a.audience} (${a.daily.at(-1)?.size ?? 0} now)</span>`)}</p>
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
