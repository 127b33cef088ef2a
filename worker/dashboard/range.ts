// The query of /v1/stats and /dashboard: a range of UTC days (from, to) and the KPI sections
// wanted, validated with zod so a bad value gets a 400 naming the parameter.
import { z } from 'zod';
import { SECTIONS, type Range, type Section } from './kpis';
import { DAY_MS, utcDate } from '../lib/time';

/** The longest range one request may ask for. */
export const MAX_DAYS = 366;
/** Without from/to: the last 30 days, today included. */
export const DEFAULT_DAYS = 30;

const Day = z.iso.date('expected a date as YYYY-MM-DD');
const Metric = z
  .string()
  .max(200)
  .transform((value) =>
    value
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.enum(SECTIONS, `expected ${SECTIONS.join(', ')} (comma-separated)`)).min(1));

export const StatsQuery = z.strictObject({ from: Day.optional(), to: Day.optional(), metric: Metric.optional() });
export type StatsQuery = z.input<typeof StatsQuery>;

/** Fills in the defaults and checks the order and the length of the range. */
export const RangeQuery = StatsQuery.transform((query, ctx): (Range & { sections: Section[] }) | typeof z.NEVER => {
  const today = Date.now();
  const to =
    query.to ?? (query.from ? utcDate(Math.min(today, Date.parse(query.from) + (DEFAULT_DAYS - 1) * DAY_MS)) : utcDate(today));
  const from = query.from ?? utcDate(Date.parse(to) - (DEFAULT_DAYS - 1) * DAY_MS);
  if (from > to) {
    ctx.addIssue({ code: 'custom', path: ['from'], message: `must not be after to (${to})` });
    return z.NEVER;
  }
  if ((Date.parse(to) - Date.parse(from)) / DAY_MS + 1 > MAX_DAYS) {
    ctx.addIssue({ code: 'custom', path: ['to'], message: `the range may span at most ${MAX_DAYS} days` });
    return z.NEVER;
  }
  return { from, to, sections: query.metric ?? [...SECTIONS] };
});
