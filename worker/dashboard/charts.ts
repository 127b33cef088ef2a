// Inline SVG charts for the dashboard, rendered on the server: a line chart, a funnel, drop-off
// bars and intervals around zero. Text goes through hono/html, which escapes it. No script runs
// in the page, so the charts work under a CSP without 'unsafe-inline' scripts.
import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

const WIDTH = 640;
const round = (n: number) => Math.round(n * 10) / 10;
export const pct = (value: number | null, digits = 1) => (value === null ? '–' : `${(value * 100).toFixed(digits)}%`);
const points = (value: number) => `${value >= 0 ? '+' : ''}${(value * 100).toFixed(1)} pts`;

/** A tidy axis maximum: 1, 2 or 5 times a power of ten, at least `max`. */
export function niceMax(max: number): number {
  if (max <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  return [1, 2, 5, 10].map((m) => m * power).find((m) => m >= max)!;
}

export interface Series {
  name: string;
  className: string;
  values: number[];
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** At most this many dates under a chart: about one per 100 px. */
const MAX_DATE_TICKS = 7;

/** A day (YYYY-MM-DD) as a person reads it: "4 Dec", with the year when asked. */
export function readableDay(day: string, withYear: boolean): string {
  const [year, month, date] = day.split('-').map(Number);
  return `${date} ${MONTHS[month - 1]}${withYear ? ` ${year}` : ''}`;
}

/**
 * The days to label under a chart and how: evenly spaced indices, first and last included, the year
 * on the first label and wherever it changes.
 */
export function dateTicks(days: string[]): Array<{ index: number; label: string }> {
  if (days.length === 0) return [];
  const count = Math.min(days.length, MAX_DATE_TICKS);
  const indices = [
    ...new Set(Array.from({ length: count }, (_, k) => (count === 1 ? 0 : Math.round((k * (days.length - 1)) / (count - 1))))),
  ];
  return indices.map((index, k) => ({
    index,
    label: readableDay(days[index], k === 0 || days[index].slice(0, 4) !== days[indices[k - 1]].slice(0, 4)),
  }));
}

/** Lines over days (one per series), with a y axis from 0 and readable dates along the x axis. */
export function lineChart(id: string, title: string, days: string[], series: Series[]): Html {
  const height = 220;
  const [left, right, top, bottom] = [44, 12, 12, 28];
  const max = niceMax(Math.max(0, ...series.flatMap((s) => s.values)));
  const x = (i: number) =>
    left + (days.length > 1 ? (i * (WIDTH - left - right)) / (days.length - 1) : (WIDTH - left - right) / 2);
  const y = (v: number) => top + (height - top - bottom) * (1 - v / max);
  const path = (values: number[]) => values.map((v, i) => `${i ? 'L' : 'M'}${round(x(i))},${round(y(v))}`).join(' ');
  const ticks = [0, max / 2, max];
  return html`<svg class="chart" data-chart="${id}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="${title}">
    <title>${title}</title>
    ${ticks.map(
      (t) => html`<line class="grid" x1="${left}" x2="${WIDTH - right}" y1="${round(y(t))}" y2="${round(y(t))}"></line>
        <text class="tick" x="${left - 6}" y="${round(y(t)) + 4}" text-anchor="end">${formatCount(t)}</text>`,
    )}
    ${dateTicks(days).map(({ index, label }, k, all) => {
      const anchor = all.length > 1 && k === 0 ? 'start' : k === all.length - 1 && all.length > 1 ? 'end' : 'middle';
      return html`<line class="grid" x1="${round(x(index))}" x2="${round(x(index))}" y1="${height - bottom}" y2="${height - bottom + 4}"></line>
        <text class="tick date" x="${round(x(index))}" y="${height - 8}" text-anchor="${anchor}">${label}</text>`;
    })}
    ${series.map((s) => html`<path class="line ${s.className}" d="${path(s.values)}"><title>${s.name}</title></path>`)}
  </svg>`;
}

export interface FunnelBar {
  label: string;
  value: number;
}

/** A funnel: centred bars narrowing step by step, joined by trapezoids, each with its count. */
export function funnelChart(id: string, title: string, bars: FunnelBar[]): Html {
  const row = 34;
  const gap = 10;
  const height = bars.length * (row + gap);
  const [labelWidth, centre] = [150, 150 + (WIDTH - 150) / 2];
  const max = Math.max(1, ...bars.map((b) => b.value));
  const half = (v: number) => ((WIDTH - labelWidth - 70) / 2) * (v / max);
  const shapes = bars.map((bar, i) => {
    const y = i * (row + gap);
    const w = Math.max(1, half(bar.value));
    const next = bars[i + 1];
    const joint = next
      ? html`<path class="funnel-joint" d="M${round(centre - w)},${y + row} L${round(centre + w)},${y + row} L${round(centre + Math.max(1, half(next.value)))},${y + row + gap} L${round(centre - Math.max(1, half(next.value)))},${y + row + gap} Z"></path>`
      : '';
    return html`<text class="label" x="0" y="${y + row / 2 + 5}">${bar.label}</text>
      <path class="funnel-bar" d="M${round(centre - w)},${y} H${round(centre + w)} V${y + row} H${round(centre - w)} Z"><title>${bar.label}: ${bar.value}</title></path>
      <text class="value" x="${round(centre + w + 6)}" y="${y + row / 2 + 5}">${formatCount(bar.value)}</text>${joint}`;
  });
  return html`<svg class="chart" data-chart="${id}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="${title}">
    <title>${title}</title>${shapes}
  </svg>`;
}

/** Horizontal bars of shares (0..1), one per row, e.g. the drop-off after each step. */
export function shareBars(id: string, title: string, bars: Array<{ label: string; share: number | null }>): Html {
  const row = 26;
  const height = bars.length * row;
  const [labelWidth, valueWidth] = [150, 60];
  const span = WIDTH - labelWidth - valueWidth;
  return html`<svg class="chart" data-chart="${id}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="${title}">
    <title>${title}</title>
    ${bars.map((bar, i) => {
      const y = i * row;
      const w = Math.max(bar.share ? 1 : 0, span * (bar.share ?? 0));
      return html`<text class="label" x="0" y="${y + 17}">${bar.label}</text>
        <path class="bar" d="M${labelWidth},${y + 4} h${round(w)} v18 h${-round(w)} Z"><title>${bar.label}: ${pct(bar.share)}</title></path>
        <text class="value" x="${round(labelWidth + w + 6)}" y="${y + 17}">${pct(bar.share)}</text>`;
    })}
  </svg>`;
}

export interface IntervalRow {
  label: string;
  estimate: number;
  low: number;
  high: number;
  significant: boolean;
}

/** Point estimates with their intervals on a shared axis through zero (lift in proportion points). */
export function intervalChart(id: string, title: string, rows: IntervalRow[]): Html {
  const row = 34;
  const [labelWidth, right, axis] = [150, 20, 22];
  const height = rows.length * row + axis;
  const extent = Math.max(0.01, ...rows.flatMap((r) => [Math.abs(r.low), Math.abs(r.high)]));
  const x = (v: number) => labelWidth + ((v + extent) / (2 * extent)) * (WIDTH - labelWidth - right);
  return html`<svg class="chart" data-chart="${id}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="${title}">
    <title>${title}</title>
    <line class="zero" x1="${round(x(0))}" x2="${round(x(0))}" y1="0" y2="${rows.length * row}"></line>
    <text class="tick" x="${round(x(-extent))}" y="${height - 6}">${points(-extent)}</text>
    <text class="tick" x="${round(x(0))}" y="${height - 6}" text-anchor="middle">0</text>
    <text class="tick" x="${round(x(extent))}" y="${height - 6}" text-anchor="end">${points(extent)}</text>
    ${rows.map((r, i) => {
      const y = i * row + row / 2;
      const kind = r.significant ? (r.estimate > 0 ? 'up' : 'down') : 'flat';
      return html`<text class="label" x="0" y="${y + 5}">${r.label}</text>
        <path class="interval ${kind}" d="M${round(x(r.low))},${y} H${round(x(r.high))} M${round(x(r.low))},${y - 6} V${y + 6} M${round(x(r.high))},${y - 6} V${y + 6}"><title>${r.label}: ${points(r.estimate)} (95% CI ${points(r.low)} to ${points(r.high)})</title></path>
        <circle class="estimate ${kind}" cx="${round(x(r.estimate))}" cy="${y}" r="5"></circle>`;
    })}
  </svg>`;
}

export function formatCount(n: number): string {
  if (n >= 1e6) return `${round(n / 1e6)}M`;
  if (n >= 1e4) return `${round(n / 1e3)}k`;
  return String(Math.round(n * 100) / 100);
}

/** A code sample (e.g. the tag a site owner pastes), shown escaped. */
export const code = (text: string) => html`<pre><code>${text}</code></pre>`;
