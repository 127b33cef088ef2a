-- Analytics rollups fed by the events queue. `processed` makes the consumer idempotent: the queue
-- delivers at least once, and an event id seen before adds nothing.
CREATE TABLE IF NOT EXISTS processed (
  site TEXT NOT NULL,
  vid TEXT NOT NULL,
  id TEXT NOT NULL,
  day TEXT NOT NULL,
  PRIMARY KEY (site, vid, id)
);
CREATE TABLE IF NOT EXISTS daily_counts (
  site TEXT NOT NULL,
  day TEXT NOT NULL,
  metric TEXT NOT NULL,
  dim TEXT NOT NULL DEFAULT '',
  n INTEGER NOT NULL,
  PRIMARY KEY (site, day, metric, dim)
);
