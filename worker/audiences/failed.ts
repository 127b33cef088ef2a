// Audience webhook deliveries that failed every retry, table `webhook_failures`, and every query on
// it: kept by the webhooks consumer on the last attempt, listed and replayed through
// /v1/webhooks/:site/failed, and scrubbed of an erased person's members.
import type { WebhookPayload } from '../schema/audiences';
import type { FailedDelivery } from '../schema/webhooks';

export interface FailedRow extends FailedDelivery {
  site: string;
}

type StoredRow = Omit<FailedRow, 'payload'> & { payload: string };
const parsed = (row: StoredRow): FailedRow => ({ ...row, payload: JSON.parse(row.payload) as WebhookPayload });

/** Keeps a delivery whose last attempt failed; the same delivery again (a replay) updates its attempt. */
export async function keepFailed(db: D1Database, row: FailedRow): Promise<void> {
  await db
    .prepare(
      `INSERT INTO webhook_failures (site, delivery_id, audience, url, payload, attempts, last_status, last_error, failed_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (site, delivery_id) DO UPDATE SET
         url = excluded.url, payload = excluded.payload, attempts = excluded.attempts,
         last_status = excluded.last_status, last_error = excluded.last_error, failed_at = excluded.failed_at`,
    )
    .bind(
      row.site,
      row.delivery_id,
      row.audience,
      row.url,
      JSON.stringify(row.payload),
      row.attempts,
      row.last_status,
      row.last_error,
      row.failed_at,
    )
    .run();
}

/** Where a page of the list starts: after this (failed_at, delivery_id), newest first. */
export interface FailedCursor {
  failed_at: number;
  delivery_id: string;
}

export async function listFailed(db: D1Database, site: string, after: FailedCursor | null, limit: number): Promise<FailedRow[]> {
  const { results } = await db
    .prepare(
      `SELECT * FROM webhook_failures
       WHERE site = ?1 AND (?2 IS NULL OR failed_at < ?2 OR (failed_at = ?2 AND delivery_id < ?3))
       ORDER BY failed_at DESC, delivery_id DESC LIMIT ?4`,
    )
    .bind(site, after?.failed_at ?? null, after?.delivery_id ?? '', limit)
    .all<StoredRow>();
  return results.map(parsed);
}

export async function getFailed(db: D1Database, site: string, deliveryId: string): Promise<FailedRow | null> {
  const row = await db
    .prepare('SELECT * FROM webhook_failures WHERE site = ? AND delivery_id = ?')
    .bind(site, deliveryId)
    .first<StoredRow>();
  return row && parsed(row);
}

export async function forgetFailed(db: D1Database, site: string, deliveryId: string): Promise<void> {
  await db.prepare('DELETE FROM webhook_failures WHERE site = ? AND delivery_id = ?').bind(site, deliveryId).run();
}

/**
 * Removes an erased person's members (by visitor id, or by hashed user id) from the kept deliveries of
 * the site, and the deliveries left with no member: nothing of theirs can be replayed after the erase.
 * Answers how many deliveries changed.
 */
export async function scrubFailed(db: D1Database, site: string, vids: readonly string[], uid: string | null): Promise<number> {
  const { results } = await db
    .prepare(
      `SELECT * FROM webhook_failures AS f WHERE site = ?1 AND EXISTS (
         SELECT 1 FROM (SELECT value FROM json_each(f.payload, '$.join') UNION ALL SELECT value FROM json_each(f.payload, '$.leave')) AS m
         WHERE json_extract(m.value, '$.vid') IN (SELECT value FROM json_each(?2)) OR json_extract(m.value, '$.uid') = ?3)`,
    )
    .bind(site, JSON.stringify(vids), uid)
    .all<StoredRow>();
  if (results.length === 0) return 0;
  const erased = (member: { vid: string; uid: string | null }) =>
    vids.includes(member.vid) || (uid !== null && member.uid === uid);
  await db.batch(
    results.map(parsed).map(({ delivery_id, payload }) => {
      const join = payload.join.filter((m) => !erased(m));
      const leave = payload.leave.filter((m) => !erased(m));
      return join.length + leave.length === 0
        ? db.prepare('DELETE FROM webhook_failures WHERE site = ? AND delivery_id = ?').bind(site, delivery_id)
        : db
            .prepare('UPDATE webhook_failures SET payload = ? WHERE site = ? AND delivery_id = ?')
            .bind(JSON.stringify({ ...payload, join, leave }), site, delivery_id);
    }),
  );
  return results.length;
}
