// The query of /v1/stats and /dashboard: a range of days (from, to, or a preset period), the KPI
// sections wanted, filters and the comparison with the previous period, validated with zod so a
// bad value gets a 400 naming the parameter. Days are the site's (rules `timezone`): "today" and
// the defaults are resolved by resolveRange, once the site is known.
import * as z from '../lib/zod';
import { DAY_MS, utcDate } from '../lib/time';
import { localDate } from '../lib/zone';
import { Name } from '../schema/events';

export const SECTIONS = ['traffic', 'forms', 'offers', 'stages', 'audiences', 'other', 'lifecycle'] as const;
export type Section = (typeof SECTIONS)[number];

/** Days from `from` to `to`, both included, as YYYY-MM-DD in the site's time zone. */
export interface Range {
  from: string;
  to: string;
}

/** The longest range one request may ask for. */
export const MAX_DAYS = 366;
/** Without from/to: the last 30 days, today included. */
export const DEFAULT_DAYS = 30;
/** Preset periods: today, or the last N days with today. */
export const PERIODS = { today: 1, '7d': 7, '30d': 30, '90d': 90 } as const;
export type Period = keyof typeof PERIODS;
export const DEVICES = ['mobile', 'tablet', 'desktop'] as const;

const Day = z.iso.date('expected a date as YYYY-MM-DD');
const Metric = z.pipe(
  z.pipe(
    z.string().check(z.maxLength(200)),
    z.transform((value) =>
      value
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean),
    ),
  ),
  z.array(z.enum(SECTIONS, `expected ${SECTIONS.join(', ')} (comma-separated)`)).check(z.minLength(1)),
);
const UtmValue = z.string().check(z.trim(), z.minLength(1), z.maxLength(100));

export const StatsQuery = z.strictObject({
  from: z.optional(Day),
  to: z.optional(Day),
  period: z.optional(z.enum(Object.keys(PERIODS) as [Period, ...Period[]])),
  metric: z.optional(Metric),
  source: z.describe(
    z.optional(UtmValue),
    "Only visitors with a page view in the range tagged with this utm_source (the engine's reading).",
  ),
  medium: z.describe(z.optional(UtmValue), 'Only visitors with a page view in the range tagged with this utm_medium.'),
  device: z.describe(z.optional(z.enum(DEVICES)), 'Only visitors with a page view in the range from this device class.'),
  stage: z.describe(z.optional(Name), 'Only visitors who reached this lifecycle stage by the end of the range.'),
  compare: z.describe(z.optional(z.literal('previous')), 'Adds the KPI totals of the range and of as many days just before it.'),
});
export type StatsQuery = z.input<typeof StatsQuery>;

export interface Filters {
  source?: string;
  medium?: string;
  device?: (typeof DEVICES)[number];
  stage?: string;
}

export interface RangeRequest {
  from?: string;
  to?: string;
  period?: Period;
}

export interface StatsRequest {
  range: RangeRequest;
  sections: Section[];
  filters: Filters;
  compare: boolean;
}

/** An issue at `field` from a transform, which then returns nothing. */
function refuse(ctx: z.core.ParsePayload, field: string, message: string): typeof z.NEVER {
  ctx.issues.push({ code: 'custom', path: [field], message, input: ctx.value });
  return z.NEVER;
}

/** Checks what can be checked before the site's time zone is known: order, length, period or dates. */
export const RangeQuery = z.pipe(
  StatsQuery,
  z.transform((query, ctx): StatsRequest | typeof z.NEVER => {
    const { from, to, period, metric, compare, ...filters } = query;
    if (period && (from || to)) {
      return refuse(ctx, 'period', 'give either a period or from/to, not both');
    }
    if (from && to && from > to) {
      return refuse(ctx, 'from', `must not be after to (${to})`);
    }
    if (from && to && (Date.parse(to) - Date.parse(from)) / DAY_MS + 1 > MAX_DAYS) {
      return refuse(ctx, 'to', `the range may span at most ${MAX_DAYS} days`);
    }
    const defined = Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== undefined)) as Filters;
    return { range: { from, to, period }, sections: metric ?? [...SECTIONS], filters: defined, compare: compare === 'previous' };
  }),
);

const shift = (day: string, days: number) => utcDate(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS);

/**
 * The days asked for, in the site's zone: a period ends today; from alone runs DEFAULT_DAYS (not
 * past today); to alone starts DEFAULT_DAYS before; neither is the last DEFAULT_DAYS.
 */
export function resolveRange({ from, to, period }: RangeRequest, zone: string | undefined, now = Date.now()): Range {
  const today = localDate(now, zone);
  if (period) return { from: shift(today, 1 - PERIODS[period]), to: today };
  if (from && to) return { from, to };
  if (from) {
    const end = shift(from, DEFAULT_DAYS - 1);
    return { from, to: end < today ? end : today < from ? from : today };
  }
  const end = to ?? today;
  return { from: shift(end, 1 - DEFAULT_DAYS), to: end };
}

/** The period of the same length that ends the day before `range` starts. */
export function previousRange({ from, to }: Range): Range {
  const days = (Date.parse(to) - Date.parse(from)) / DAY_MS + 1;
  return { from: shift(from, -days), to: shift(from, -1) };
}
