// The Visitor's SQLite tables `visitor`, `events`, `links`, `audience_sync` and `mirrored`, and every query on
// them: no other module reads or writes these (the outbox's table is outbox.ts's). Columns may be
// added, never renamed: stored objects outlive deploys.
import type { Event } from '../schema/events';
import type { StoredEventView } from '../schema/profile';
import type { VisitorState } from '../engine';
import type { Consent } from '../engine/state';

/** Whether the tables exist: a read only, which leaves an object that has none without storage. */
export function hasTables(sql: SqlStorage): boolean {
  return sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'visitor'").toArray().length > 0;
}

export function migrate(sql: SqlStorage): void {
  sql.exec(`
    CREATE TABLE IF NOT EXISTS visitor (
      site TEXT NOT NULL,
      vid TEXT NOT NULL,
      state TEXT NOT NULL,
      uid TEXT,           -- the hashed user id this profile belongs to, once identified
      merged_into TEXT    -- set on an anonymous visitor whose events moved to its user's profile
    );
    CREATE TABLE IF NOT EXISTS events (
      id TEXT PRIMARY KEY,
      type TEXT NOT NULL,
      client_ts INTEGER NOT NULL,
      at INTEGER NOT NULL,
      received INTEGER NOT NULL,
      body TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS events_at ON events (at);
    CREATE TABLE IF NOT EXISTS links (vid TEXT PRIMARY KEY, linked_at INTEGER NOT NULL);
    -- Audience memberships changed since the last mirror to D1: the latest state per audience.
    CREATE TABLE IF NOT EXISTS audience_sync (audience TEXT PRIMARY KEY, member TEXT NOT NULL);
    -- What was last mirrored to D1 besides memberships, by name (the member's identifiers).
    CREATE TABLE IF NOT EXISTS mirrored (name TEXT PRIMARY KEY, value TEXT NOT NULL);
  `);
  // Added after objects were first stored: each event's batch consent (JSON), null before.
  if (sql.exec("SELECT 1 FROM pragma_table_info('events') WHERE name = 'consent'").toArray().length === 0)
    sql.exec('ALTER TABLE events ADD COLUMN consent TEXT');
}

export interface Meta {
  site: string;
  vid: string;
  state: VisitorState;
  uid: string | null;
  mergedInto: string | null;
}

export type StoredEvent = {
  id: string;
  type: string;
  client_ts: number;
  at: number;
  received: number;
  body: string;
  /** The consent its batch said the page applied (JSON), or null: replays apply it again. */
  consent: string | null;
};

/**
 * Each object's row as last read or written, parsed: in V8 profiles of collect and decide, reading
 * and parsing it on every request took 9–13% of the isolate's time (in collect, as much as storing
 * the batch's events and messages). Only this module writes the row, so it keeps the copy in step;
 * `transaction` and `forget` drop it when a write is rolled back or the storage is deleted. Callers
 * may change the state they are given only to save it (`saveState`) inside a `transaction`.
 */
const rows = new WeakMap<SqlStorage, Meta | null>();

export function readMeta(sql: SqlStorage): Meta | null {
  const cached = rows.get(sql);
  if (cached !== undefined) return cached;
  const row = sql
    .exec<{ site: string; vid: string; state: string; uid: string | null; merged_into: string | null }>(
      'SELECT site, vid, state, uid, merged_into FROM visitor',
    )
    .toArray()[0];
  const meta = row
    ? { site: row.site, vid: row.vid, state: JSON.parse(row.state) as VisitorState, uid: row.uid, mergedInto: row.merged_into }
    : null;
  rows.set(sql, meta);
  return meta;
}

/** The user this visitor's events moved to, if any: without parsing the state when it is not at hand. */
export function mergedInto(sql: SqlStorage): string | null {
  const cached = rows.get(sql);
  if (cached !== undefined) return cached?.mergedInto ?? null;
  return sql.exec<{ merged_into: string | null }>('SELECT merged_into FROM visitor').toArray()[0]?.merged_into ?? null;
}

export function createMeta(sql: SqlStorage, site: string, vid: string, state: VisitorState, uid: string | null = null): void {
  sql.exec('INSERT INTO visitor (site, vid, state, uid) VALUES (?, ?, ?, ?)', site, vid, JSON.stringify(state), uid);
  rows.set(sql, { site, vid, state, uid, mergedInto: null });
}

/** Runs `write` as one storage transaction; when it throws, the row is read again next time. */
export function transaction<T>(storage: DurableObjectStorage, sql: SqlStorage, write: () => T): T {
  try {
    return storage.transactionSync(write);
  } catch (error) {
    forget(sql);
    throw error;
  }
}

/** Drops what this module keeps in memory, after a rollback or once the storage was deleted. */
export function forget(sql: SqlStorage): void {
  rows.delete(sql);
  nothingPending.delete(sql);
  mirroredValues.delete(sql);
}

/** Marks an anonymous visitor as merged into its user's profile, whose events now hold its own. */
export function markMerged(sql: SqlStorage, uid: string): void {
  sql.exec('UPDATE visitor SET uid = ?, merged_into = ?', uid, uid);
  sql.exec('DELETE FROM events');
  const cached = rows.get(sql);
  if (cached) Object.assign(cached, { uid, mergedInto: uid });
}

export function saveState(sql: SqlStorage, state: VisitorState): void {
  sql.exec('UPDATE visitor SET state = ?', JSON.stringify(state));
  const cached = rows.get(sql);
  if (cached) cached.state = state;
}

/** Stores an event unless its id is already there; answers whether it was new. */
export function insertEvent(sql: SqlStorage, row: StoredEvent): boolean {
  return (
    sql.exec(
      'INSERT OR IGNORE INTO events (id, type, client_ts, at, received, body, consent) VALUES (?, ?, ?, ?, ?, ?, ?)',
      row.id,
      row.type,
      row.client_ts,
      row.at,
      row.received,
      row.body,
      row.consent,
    ).rowsWritten > 0
  );
}

/** The corrected time of the earliest event stored, or null without events. */
export function firstEventAt(sql: SqlStorage): number | null {
  return sql.exec<{ at: number | null }>('SELECT min(at) AS at FROM events').one().at;
}

export function eventCount(sql: SqlStorage): number {
  return sql.exec<{ n: number }>('SELECT count(*) AS n FROM events').one().n;
}

export function eventsAfter(sql: SqlStorage, rowid: number): Array<StoredEvent & { rowid: number }> {
  return sql
    .exec<StoredEvent & { rowid: number }>(
      'SELECT rowid, id, type, client_ts, at, received, body, consent FROM events WHERE rowid > ? ORDER BY rowid',
      rowid,
    )
    .toArray();
}

/** Every event in the order the engine folds them: by corrected time, ties by id. */
export function* eventsInOrder(sql: SqlStorage): Generator<{ event: Event; at: number; consent?: Consent }> {
  for (const row of sql.exec<{ body: string; at: number; consent: string | null }>(
    'SELECT body, at, consent FROM events ORDER BY at, id',
  )) {
    yield {
      event: JSON.parse(row.body) as Event,
      at: row.at,
      ...(row.consent ? { consent: JSON.parse(row.consent) as Consent } : {}),
    };
  }
}

export function recentEvents(sql: SqlStorage, limit: number): StoredEventView[] {
  return sql
    .exec<{ id: string; type: string; at: number; received: number; body: string }>(
      'SELECT id, type, at, received, body FROM events ORDER BY at DESC LIMIT ?',
      limit,
    )
    .toArray()
    .map(({ body, ...row }) => ({ ...row, event: JSON.parse(body) as Event }));
}

export function addLink(sql: SqlStorage, vid: string, at: number): void {
  sql.exec('INSERT OR IGNORE INTO links (vid, linked_at) VALUES (?, ?)', vid, at);
}

export function linkedVids(sql: SqlStorage): string[] {
  return sql
    .exec<{ vid: string }>('SELECT vid FROM links ORDER BY linked_at, vid')
    .toArray()
    .map((row) => row.vid);
}

/**
 * Objects known to have no audience change waiting, and each object's values last mirrored, as read
 * or written here: the visitor's alarm asks for both after every batch, and in a CPU profile of
 * collect the two reads cost 3% of the isolate's time, mostly to learn that nothing changed.
 */
const nothingPending = new WeakSet<SqlStorage>();
const mirroredValues = new WeakMap<SqlStorage, Map<string, string | null>>();

/** Records the audiences whose membership differs between two states, for the next mirror to D1. */
export function noteAudienceChanges(
  sql: SqlStorage,
  before: VisitorState['audiences'],
  after: VisitorState['audiences'],
): boolean {
  let changed = false;
  for (const [audience, member] of Object.entries(after)) {
    if (Object.hasOwn(before, audience) && JSON.stringify(before[audience]) === JSON.stringify(member)) continue;
    sql.exec('INSERT OR REPLACE INTO audience_sync (audience, member) VALUES (?, ?)', audience, JSON.stringify(member));
    nothingPending.delete(sql);
    changed = true;
  }
  return changed;
}

/** Clears the changes mirrored; one recorded since (a different member) stays for the next mirror. */
export function clearAudienceChanges(sql: SqlStorage, mirrored: ReturnType<typeof pendingAudienceChanges>): void {
  for (const { audience, member } of mirrored)
    sql.exec('DELETE FROM audience_sync WHERE audience = ? AND member = ?', audience, JSON.stringify(member));
}

export function pendingAudienceChanges(sql: SqlStorage): Array<{ audience: string; member: VisitorState['audiences'][string] }> {
  if (nothingPending.has(sql)) return [];
  const pending = sql
    .exec<{ audience: string; member: string }>('SELECT audience, member FROM audience_sync')
    .toArray()
    .map((row) => ({ audience: row.audience, member: JSON.parse(row.member) }));
  if (pending.length === 0) nothingPending.add(sql);
  return pending;
}

/** The value last mirrored under `name`, or null. */
export function mirrored(sql: SqlStorage, name: string): string | null {
  const known = mirroredValues.get(sql);
  if (known?.has(name)) return known.get(name)!;
  const value = sql.exec<{ value: string }>('SELECT value FROM mirrored WHERE name = ?', name).toArray()[0]?.value ?? null;
  mirroredValues.set(sql, (known ?? new Map()).set(name, value));
  return value;
}

/** Records what was mirrored under `name`; null forgets it. */
export function noteMirrored(sql: SqlStorage, name: string, value: string | null): void {
  if (value === null) sql.exec('DELETE FROM mirrored WHERE name = ?', name);
  else sql.exec('INSERT OR REPLACE INTO mirrored (name, value) VALUES (?, ?)', name, value);
  mirroredValues.set(sql, (mirroredValues.get(sql) ?? new Map()).set(name, value));
}
