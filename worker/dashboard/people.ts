// Who the KPIs count, as SQL fragments for kpis.ts and lifecycle.ts: a visitor hash stands for its
// person (the user it was merged into, person_links, else itself), and the filters (UTM source and
// medium, device, stage) narrow either the visitors or the people the figures count.
import type { Filters, Range } from './range';

/** The person of the row `alias` (with `site` and `vh` columns): the user it was merged into, else its own hash. */
export const personOf = (alias: string) =>
  `COALESCE((SELECT k.person FROM person_links k WHERE k.site = ${alias}.site AND k.vh = ${alias}.vh), ${alias}.vh)`;

/** Every visitor hash of the person of the row `alias` (with `site` and `person` columns): its own and its devices'. */
export const hashesOf = (alias: string) =>
  `(SELECT ${alias}.person UNION ALL SELECT k.vh FROM person_links k WHERE k.site = ${alias}.site AND k.person = ${alias}.person)`;

export interface Filter {
  /** ` AND …` clauses (empty without filters) … */
  sql: string;
  /** … and their bound values, in order. */
  values: unknown[];
}

/**
 * `AND <column> IN (…)` for the keys the filters keep, with its values; empty without filters. `key`
 * maps an alias of a row with `site` and `vh` to the key compared with `column`. UTM and device: a
 * page view in the range with all of them. Stage: reached it by the end of the range.
 */
function keptBy(site: string, range: Range, filters: Filters, column: string, key: (alias: string) => string): Filter {
  const parts: string[] = [];
  const values: unknown[] = [];
  const onPage = (['source', 'medium', 'device'] as const).filter((name) => filters[name] !== undefined);
  if (onPage.length) {
    parts.push(
      `${column} IN (SELECT ${key('f')} FROM page_views f WHERE f.site = ? AND f.day BETWEEN ? AND ? AND ${onPage.map((name) => `f.${name} = ?`).join(' AND ')})`,
    );
    values.push(site, range.from, range.to, ...onPage.map((name) => filters[name]));
  }
  if (filters.stage !== undefined) {
    parts.push(`${column} IN (SELECT ${key('f')} FROM stage_visitors f WHERE f.site = ? AND f.stage = ? AND f.day <= ?)`);
    values.push(site, filters.stage, range.to);
  }
  return { sql: parts.map((part) => ` AND ${part}`).join(''), values };
}

/** The visitors the filters keep, compared with the column `vh`: the traffic, forms and offers sections. */
export const visitorFilter = (site: string, range: Range, filters: Filters): Filter =>
  keptBy(site, range, filters, 'vh', (alias) => `${alias}.vh`);

/**
 * The people the filters keep, compared with `column` (a person's hash): a person is kept when any of
 * their devices (or their own profile) had such a page view, or reached the stage.
 */
export const personFilter = (site: string, range: Range, filters: Filters, column: string): Filter =>
  keptBy(site, range, filters, column, personOf);
