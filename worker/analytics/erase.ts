// Erasure from the rollups (DELETE /v1/profile): deletes every D1 row keyed to the visitor and, in
// the same transaction, records a tombstone in erased_visitors (written here only) that the
// consumer honours, so an event of theirs still in the queue (sent before the erase, retried, or
// resent by the outbox) is never counted after it. daily_counts, form_step_labels and rollup_names hold
// no visitor keys and keep their totals.
import { visitorHash } from './visitor-hash';
import { DAY_MS } from '../lib/time';

const VISITOR_TABLES = [
  'seen_events',
  'visitor_days',
  'page_views',
  'form_visitors',
  'offer_visitors',
  'stage_visitors',
  'people',
  'person_products',
  'person_links',
  'customer_days',
  'revenue',
  'winbacks',
  'active_visitors',
] as const;

/**
 * How long a tombstone is kept: longer than any message sent before the erase can still arrive. A
 * message lives at most 14 days in a Cloudflare queue (its longest retention; the retries of
 * wrangler.toml span about 2 h 20 min of that), then at most 14 in the dead-letter queue, and 14
 * again if it is replayed from there into the events queue. An erased visitor's outbox is gone with
 * its Durable Object, so nothing of theirs is sent after the erase.
 */
export const TOMBSTONE_DAYS = 45;

/**
 * SQL that holds while the event of (site, vh) at time `at` is not covered by an erasure; binds
 * site, vh, at in that order. An event after the erase (the browser came back with the same id) counts.
 */
export const NOT_ERASED = 'NOT EXISTS (SELECT 1 FROM erased_visitors WHERE site = ? AND vh = ? AND erased_at >= ?)';

export async function eraseVisitorRows(db: D1Database, site: string, vid: string, now = Date.now()): Promise<number> {
  const vh = await visitorHash(site, vid);
  const results = await db.batch([
    db
      .prepare(
        `INSERT INTO erased_visitors (site, vh, erased_at) VALUES (?, ?, ?)
         ON CONFLICT (site, vh) DO UPDATE SET erased_at = MAX(erased_at, excluded.erased_at)`,
      )
      .bind(site, vh, now),
    db.prepare('DELETE FROM erased_visitors WHERE erased_at < ?').bind(now - TOMBSTONE_DAYS * DAY_MS),
    ...VISITOR_TABLES.map((table) => db.prepare(`DELETE FROM ${table} WHERE site = ? AND vh = ?`).bind(site, vh)),
  ]);
  return results.slice(2).reduce((sum, result) => sum + result.meta.changes, 0);
}

/** When each of `vhs` that has a tombstone on the site was erased. */
export async function erasureTimes(db: D1Database, site: string, vhs: readonly string[]): Promise<Map<string, number>> {
  const { results } = await db
    .prepare('SELECT vh, erased_at FROM erased_visitors WHERE site = ? AND vh IN (SELECT value FROM json_each(?))')
    .bind(site, JSON.stringify(vhs))
    .all<{ vh: string; erased_at: number }>();
  return new Map(results.map((row) => [row.vh, row.erased_at]));
}
