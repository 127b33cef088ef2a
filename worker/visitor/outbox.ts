// The visitor's analytics outbox. A row leaves only when D1 shows its event counted (seen_events),
// not when the queue accepts the message: a message can still be lost after that (a local queue
// dies with its process; a production message that exhausts its retries goes to the dead-letter
// queue, uncounted). A row still unconfirmed when its lease ends is sent again, which is safe
// because the consumer counts an event id once. Each send doubles the next lease, so a consumer
// that is only slow (a backlog, D1 down for a while) is not flooded with copies.
// The one module that reads and writes the object's `outbox` table.
import type { Env } from '../env';
import { hashOf, type KeyedEvent, type QueuedEvent } from '../analytics/message';
import { groupBy } from '../lib/group';

/** Messages per queue send and rows per confirmation check. */
const BATCH = 100;
/** How long a sent row first waits for its confirmation before it is sent again, unless configured. */
const DEFAULT_LEASE_SECONDS = 300;
/** Leases stop doubling after this many sends (the tenth waits 512 leases). */
const MAX_DOUBLINGS = 9;

export function leaseMs(env: Pick<Env, 'NB_OUTBOX_LEASE_SECONDS'>): number {
  const seconds = Number(env.NB_OUTBOX_LEASE_SECONDS);
  return (Number.isFinite(seconds) && seconds > 0 ? seconds : DEFAULT_LEASE_SECONDS) * 1000;
}

export function migrate(sql: SqlStorage): void {
  // lease_ends is null until sent.
  sql.exec(
    'CREATE TABLE IF NOT EXISTS outbox (id TEXT PRIMARY KEY, message TEXT NOT NULL, lease_ends INTEGER, sends INTEGER NOT NULL DEFAULT 0)',
  );
  // Objects created before the outbox waited for D1 kept sent rows.
  if (sql.exec("SELECT 1 FROM pragma_table_info('outbox') WHERE name = 'lease_ends'").toArray().length === 0)
    sql.exec('ALTER TABLE outbox ADD COLUMN lease_ends INTEGER; ALTER TABLE outbox ADD COLUMN sends INTEGER NOT NULL DEFAULT 0');
}

/** Queues a message as built, complete: it is never changed afterwards. */
export function add(sql: SqlStorage, message: KeyedEvent): void {
  sql.exec('INSERT INTO outbox (id, message) VALUES (?, ?)', message.event.id, JSON.stringify(message));
}

/**
 * One round: rows whose lease ended are checked against D1 (confirmed ones leave, the rest are due
 * again), then due rows are sent.
 */
export async function deliver(sql: SqlStorage, env: Pick<Env, 'DB' | 'EVENTS'>, now: number, lease: number): Promise<void> {
  await confirm(sql, env.DB, now);
  const due = sql
    .exec<{ id: string; message: string }>(
      'SELECT id, message FROM outbox WHERE lease_ends IS NULL ORDER BY rowid LIMIT ?',
      BATCH,
    )
    .toArray();
  if (due.length > 0) {
    await env.EVENTS.sendBatch(due.map((row) => ({ body: JSON.parse(row.message) as QueuedEvent })));
    // Only what was sent is marked: rows stored while sending go in the next round.
    sql.exec(
      `UPDATE outbox SET lease_ends = ? + ? * (1 << min(sends, ?)), sends = sends + 1
       WHERE id IN (SELECT value FROM json_each(?))`,
      now,
      lease,
      MAX_DOUBLINGS,
      JSON.stringify(due.map((row) => row.id)),
    );
  }
}

/** When the next round is needed (`now` while a row waits unsent), or null for never. */
export function nextRound(sql: SqlStorage, now: number): number | null {
  const next = sql
    .exec<{ unsent: number; first: number | null }>(
      'SELECT count(*) - count(lease_ends) AS unsent, min(lease_ends) AS first FROM outbox',
    )
    .one();
  return next.unsent > 0 ? now : next.first;
}

async function confirm(sql: SqlStorage, db: D1Database, now: number): Promise<void> {
  const rows = sql
    .exec<{ id: string; site: string; vid: string; vh: string | null }>(
      `SELECT id, json_extract(message, '$.site') AS site, json_extract(message, '$.vid') AS vid,
         json_extract(message, '$.vh') AS vh
       FROM outbox WHERE lease_ends <= ? ORDER BY lease_ends LIMIT ?`,
      now,
      BATCH,
    )
    .toArray();
  if (rows.length === 0) return;
  // A user's profile queues the events of each linked visitor under that visitor's id.
  const byVisitor = groupBy(rows, (row) => `${row.site}\n${row.vid}`);
  const counted = new Set<string>();
  for (const group of byVisitor.values()) {
    const { site, vid, vh } = group[0];
    const found = await db
      .prepare('SELECT id FROM seen_events WHERE site = ? AND vh = ? AND id IN (SELECT value FROM json_each(?))')
      .bind(site, await hashOf({ site, vid, vh: vh ?? undefined }), JSON.stringify(group.map((row) => row.id)))
      .all<{ id: string }>();
    for (const { id } of found.results) counted.add(id);
  }
  const ids = rows.map((row) => row.id);
  const confirmed = ids.filter((id) => counted.has(id));
  const due = ids.filter((id) => !counted.has(id));
  if (confirmed.length > 0)
    sql.exec('DELETE FROM outbox WHERE id IN (SELECT value FROM json_each(?))', JSON.stringify(confirmed));
  if (due.length > 0)
    sql.exec('UPDATE outbox SET lease_ends = NULL WHERE id IN (SELECT value FROM json_each(?))', JSON.stringify(due));
}
