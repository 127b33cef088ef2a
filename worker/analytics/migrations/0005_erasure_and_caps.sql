-- Erasure that holds against queued messages, and bounds on the names visitors can make up.

-- Visitors erased from the rollups (worker/analytics/erase.ts): the consumer counts no event of
-- theirs that happened at or before `erased_at`, however late the queue delivers it. A row is kept
-- TOMBSTONE_DAYS (longer than a message can live in the queue) and then removed by a later erasure.
CREATE TABLE IF NOT EXISTS erased_visitors (
  site TEXT NOT NULL,
  vh TEXT NOT NULL,
  erased_at INTEGER NOT NULL,
  PRIMARY KEY (site, vh)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS erased_visitors_by_time ON erased_visitors (erased_at);

-- The form and track names each site's rollups keep a row for (worker/analytics/name-caps.ts): the
-- first ones seen, up to a cap per kind; events naming any other are counted under "(other)".
CREATE TABLE IF NOT EXISTS rollup_names (
  site TEXT NOT NULL,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  PRIMARY KEY (site, kind, name)
) WITHOUT ROWID;
