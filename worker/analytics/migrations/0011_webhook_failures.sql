-- Audience webhook deliveries that failed every retry of the webhooks queue (worker/audiences/failed.ts),
-- kept until they are replayed (POST /v1/webhooks/:site/failed/:delivery_id/replay) instead of being
-- lost. `payload` is the body as last sent (JSON); an erasure removes the person's members from it.
CREATE TABLE IF NOT EXISTS webhook_failures (
  site TEXT NOT NULL,
  delivery_id TEXT NOT NULL,
  audience TEXT NOT NULL,
  url TEXT NOT NULL,
  payload TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  last_status INTEGER,
  last_error TEXT NOT NULL,
  failed_at INTEGER NOT NULL,
  PRIMARY KEY (site, delivery_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS webhook_failures_by_time ON webhook_failures (site, failed_at, delivery_id);
