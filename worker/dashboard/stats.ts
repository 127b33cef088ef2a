// What /v1/stats and /dashboard both answer for a validated query: the range resolved in the site's
// time zone, the sections asked for, and with `compare` the KPI cards' totals for the range and for
// the period just before it (the loads run side by side).
import type { RulesFile } from '../../rules/schema';
import type { Kpis } from '../schema/stats';
import { CARD_SECTIONS, loadKpis, totalsOf } from './kpis';
import { previousRange, resolveRange, type StatsRequest } from './range';

export async function loadStats(
  db: D1Database,
  site: string,
  rules: RulesFile,
  request: StatsRequest,
  now = Date.now(),
): Promise<Kpis> {
  const range = resolveRange(request.range, rules.timezone, now);
  const { sections, filters } = request;
  const current = loadKpis(db, site, rules, range, sections, filters);
  if (!request.compare) return current;
  const before = previousRange(range);
  const cards = CARD_SECTIONS.every((section) => sections.includes(section))
    ? current
    : loadKpis(db, site, rules, range, CARD_SECTIONS, filters);
  const [kpis, cardKpis, previous] = await Promise.all([
    current,
    cards,
    loadKpis(db, site, rules, before, CARD_SECTIONS, filters),
  ]);
  return { ...kpis, totals: totalsOf(cardKpis), previous: { ...before, totals: totalsOf(previous) } };
}
