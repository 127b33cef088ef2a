// The visitor's analytics outbox: one row per stored batch, holding the batch's messages (one per
// new event, as the queue carries them). A row leaves only when D1 shows all its events counted
// (seen_events), not when the queue accepts the messages: a message can still be lost after that (a
// local queue dies with its process; a production message that exhausts its retries goes to the
// dead-letter queue, uncounted). A row still unconfirmed when its lease ends is sent again, whole,
// which is safe because the consumer counts an event id once. Each send doubles the next lease, so
// a consumer that is only slow (a backlog, D1 down for a while) is not flooded with copies.
// The one module that reads and writes the object's `outbox` table.
import type { Env } from '../env';
import { hashOf, type KeyedEvent, type QueuedEvent } from '../analytics/message';
import { groupBy } from '../lib/group';

/** Messages per queue send (the queue's limit, and a batch's most events), and rows per confirmation check. */
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
  // lease_ends is null until sent. `id` is the first event's id; `message` a JSON array of the
  // batch's messages (one message object in rows stored before batches shared a row).
  sql.exec(
    'CREATE TABLE IF NOT EXISTS outbox (id TEXT PRIMARY KEY, message TEXT NOT NULL, lease_ends INTEGER, sends INTEGER NOT NULL DEFAULT 0)',
  );
  // Objects created before the outbox waited for D1 kept sent rows.
  if (sql.exec("SELECT 1 FROM pragma_table_info('outbox') WHERE name = 'lease_ends'").toArray().length === 0)
    sql.exec('ALTER TABLE outbox ADD COLUMN lease_ends INTEGER; ALTER TABLE outbox ADD COLUMN sends INTEGER NOT NULL DEFAULT 0');
}

/** Queues a batch's messages as built, complete: they are never changed afterwards. */
export function add(sql: SqlStorage, messages: KeyedEvent[]): void {
  if (messages.length > 0)
    sql.exec('INSERT INTO outbox (id, message) VALUES (?, ?)', messages[0].event.id, JSON.stringify(messages));
}

/** A row's messages, whichever shape it was stored in. */
function messagesOf(row: { message: string }): QueuedEvent[] {
  const stored = JSON.parse(row.message) as QueuedEvent | QueuedEvent[];
  return Array.isArray(stored) ? stored : [stored];
}

/**
 * One round: rows whose lease ended are checked against D1 (confirmed ones leave, the rest are due
 * again), then due rows are sent.
 */
export async function deliver(sql: SqlStorage, env: Pick<Env, 'DB' | 'EVENTS'>, now: number, lease: number): Promise<void> {
  await confirm(sql, env.DB, now);
  const due: string[] = [];
  const messages: QueuedEvent[] = [];
  // Whole rows, up to BATCH messages (the first row always: a batch holds at most BATCH events).
  for (const row of sql.exec<{ id: string; message: string }>(
    'SELECT id, message FROM outbox WHERE lease_ends IS NULL ORDER BY rowid LIMIT ?',
    BATCH,
  )) {
    const batch = messagesOf(row);
    if (due.length > 0 && messages.length + batch.length > BATCH) break;
    due.push(row.id);
    messages.push(...batch);
  }
  if (due.length > 0) {
    await env.EVENTS.sendBatch(messages.map((body) => ({ body })));
    // Only what was sent is marked: rows stored while sending go in the next round.
    sql.exec(
      `UPDATE outbox SET lease_ends = ? + ? * (1 << min(sends, ?)), sends = sends + 1
       WHERE id IN (SELECT value FROM json_each(?))`,
      now,
      lease,
      MAX_DOUBLINGS,
      JSON.stringify(due),
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
    .exec<{ id: string; message: string }>(
      'SELECT id, message FROM outbox WHERE lease_ends <= ? ORDER BY lease_ends LIMIT ?',
      now,
      BATCH,
    )
    .toArray()
    .map((row) => ({ id: row.id, messages: messagesOf(row) }));
  if (rows.length === 0) return;
  // A row holds one visitor's batch; a user's profile queues each linked visitor's under that visitor's id.
  const byVisitor = groupBy(rows, ({ messages: [first] }) => `${first.site}\n${first.vid}`);
  const counted = new Set<string>();
  for (const group of byVisitor.values()) {
    const [first] = group[0].messages;
    const ids = group.flatMap((row) => row.messages.map((message) => message.event.id));
    const found = await db
      .prepare('SELECT id FROM seen_events WHERE site = ? AND vh = ? AND id IN (SELECT value FROM json_each(?))')
      .bind(first.site, await hashOf(first), JSON.stringify(ids))
      .all<{ id: string }>();
    for (const { id } of found.results) counted.add(id);
  }
  const confirmed: string[] = [];
  const due: string[] = [];
  for (const row of rows) (row.messages.every((message) => counted.has(message.event.id)) ? confirmed : due).push(row.id);
  if (confirmed.length > 0)
    sql.exec('DELETE FROM outbox WHERE id IN (SELECT value FROM json_each(?))', JSON.stringify(confirmed));
  if (due.length > 0)
    sql.exec('UPDATE outbox SET lease_ends = NULL WHERE id IN (SELECT value FROM json_each(?))', JSON.stringify(due));
}
