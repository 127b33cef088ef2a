// How top pages group paths: one page however a visitor reached it. /demo/, /demo/index.html and
// /demo map to /demo; /demo/apply.html to /demo/apply. Then the rules' `path_aliases` may map a
// path to another (a renamed page). Applied when the dashboard reads the rollups, so rows already
// counted group the same way.

const INDEX_FILE = /\/(?:index|default)\.(?:html?|php|aspx?)$/i;
const EXTENSION = /\.(?:html?|php|aspx?)$/i;

/** The page a path belongs to, before aliases. */
export function normalisePath(path: string): string {
  const collapsed = path
    .replace(/\/{2,}/g, '/')
    .replace(INDEX_FILE, '/')
    .replace(EXTENSION, '');
  const trimmed = collapsed.replace(/\/+$/, '');
  return trimmed === '' ? '/' : trimmed;
}

/** A path → page function for these aliases (keys and values normalised too, so either spelling works). */
export function pageOf(aliases: Record<string, string> = {}): (path: string) => string {
  const map = new Map(Object.entries(aliases).map(([from, to]) => [normalisePath(from), normalisePath(to)]));
  return (path) => {
    const page = normalisePath(path);
    return map.get(page) ?? page;
  };
}
