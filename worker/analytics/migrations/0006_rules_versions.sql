-- Rules published through the API (worker/rules/): every version of every site, never rewritten. The
-- live version of a site is its highest; a rollback publishes an older document again as a new
-- version. A site without rows serves its bundled rules/<site>.json, which its first publish records
-- as version 1. `author` is a key id (a digest of the API key), never the key.
CREATE TABLE IF NOT EXISTS rules_versions (
  site TEXT NOT NULL,
  version INTEGER NOT NULL,
  json TEXT NOT NULL,
  hash TEXT NOT NULL,
  author TEXT NOT NULL,
  message TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  PRIMARY KEY (site, version)
) WITHOUT ROWID;

-- The visitors seen in the last days, for the impact preview of a draft (worker/rules/preview.ts):
-- `object` is the id of the visitor's Durable Object (a one-way digest of site and visitor id, not
-- the visitor id), which the preview asks to replay its events. Keyed by the visitor hash like the
-- rollups, erased with them, and pruned once older than the preview looks back.
CREATE TABLE IF NOT EXISTS active_visitors (
  site TEXT NOT NULL,
  vh TEXT NOT NULL,
  object TEXT NOT NULL,
  last_at INTEGER NOT NULL,
  PRIMARY KEY (site, vh)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS active_visitors_by_time ON active_visitors (last_at);
