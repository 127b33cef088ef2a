// Deletes every D1 row keyed to one visitor (erasure requests). Rollup tables key visitors by their
// per-site hash; daily_counts and form_steps hold no visitor keys and keep their totals.
import { visitorHash } from './visitor-hash';

const VISITOR_TABLES = ['seen_events', 'visitor_days', 'page_views', 'form_visitors', 'offer_visitors', 'stage_visitors'] as const;

export async function eraseVisitorRows(db: D1Database, site: string, vid: string): Promise<number> {
  const vh = await visitorHash(site, vid);
  const results = await db.batch(VISITOR_TABLES.map((table) => db.prepare(`DELETE FROM ${table} WHERE site = ? AND vh = ?`).bind(site, vh)));
  return results.reduce((sum, result) => sum + result.meta.changes, 0);
}
