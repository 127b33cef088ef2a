// The active_visitors table (migrations/0006_rules_versions.sql): which visitors' Durable Objects
// were active lately, for the impact preview's sample. Written by each visitor's alarm, at most
// once an hour per object; read by the preview; erased with the rollups (analytics/erase.ts).
import { DAY_MS } from '../lib/time';

/** How far back the preview looks. */
export const ACTIVE_DAYS = 7;

export async function noteActive(db: D1Database, site: string, vh: string, object: string, at: number): Promise<void> {
  await db
    .prepare(
      `INSERT INTO active_visitors (site, vh, object, last_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (site, vh) DO UPDATE SET object = excluded.object, last_at = max(last_at, excluded.last_at)`,
    )
    .bind(site, vh, object, at)
    .run();
}

/**
 * Up to `limit` Durable Object ids of the site's visitors active since ACTIVE_DAYS before `now`, in
 * visitor-hash order: the hash is uniform, so this is a random sample, and the same one on every
 * preview while the same visitors are active, so two drafts are compared on the same people.
 * Rows past the window are pruned first.
 */
export async function activeSample(db: D1Database, site: string, now: number, limit: number): Promise<string[]> {
  const since = now - ACTIVE_DAYS * DAY_MS;
  const [, sample] = await db.batch<{ object: string }>([
    db.prepare('DELETE FROM active_visitors WHERE last_at < ?').bind(since),
    db.prepare('SELECT object FROM active_visitors WHERE site = ? AND last_at >= ? ORDER BY vh LIMIT ?').bind(site, since, limit),
  ]);
  return sample.results.map((row) => row.object);
}
