// Bounds on what anonymous visitors can create in the rollups. Form and track names come from the
// page (or anyone who posts to /v1/collect), so each site keeps rows for the first names of each
// kind up to a cap (rollup_names, written here only), and counts events naming any other under
// "(other)". Offers need no cap: an offer or variant that is not in the site's rules creates no
// row at all (worker/analytics/rollup.ts).
//
// The cap is exact under concurrent batches: D1 runs one statement at a time on one database, and
// the count and the insert are one statement, so no two batches can both take the last place.

/** The dimension that events naming a form or track over the cap, or an unknown offer, count under. */
export const OTHER = '(other)';

export const NAME_CAPS = {
  // A lender's site has a handful of multi-step forms (applications, quotes, onboarding, contact):
  // 32 is several times what a real site marks, and 32 funnels still make a readable dashboard.
  form: 32,
  // Custom events a site's tag sends (calculator_used, rate_checked, loan_funded …) run to dozens.
  track: 200,
} as const;
export type NameKind = keyof typeof NAME_CAPS;

/** SQL true while `name` has a row on the site; binds site, kind, name in that order. */
export const KNOWN_NAME = 'EXISTS (SELECT 1 FROM rollup_names WHERE site = ? AND kind = ? AND name = ?)';

/**
 * The statement that gives `name` a row while the site has fewer than the cap of its kind.
 * `counting` adds the rollup's guard (the event not counted yet, its visitor not erased) for $UNSEEN.
 */
export function registerName(
  counting: (sql: string, ...values: unknown[]) => D1PreparedStatement,
  site: string,
  kind: NameKind,
  name: string,
): D1PreparedStatement {
  return counting(
    `INSERT OR IGNORE INTO rollup_names (site, kind, name) SELECT ?, ?, ?
     WHERE (SELECT count(*) FROM rollup_names WHERE site = ? AND kind = ?) < ? AND $UNSEEN`,
    site,
    kind,
    name,
    site,
    kind,
    NAME_CAPS[kind],
  );
}

/** How many names of each kind a site has rows for; binds site. */
export const NAMES_IN_USE = 'SELECT kind, count(*) AS n FROM rollup_names WHERE site = ? GROUP BY kind';
