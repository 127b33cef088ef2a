-- KPI rollups fed by the events queue (worker/analytics/rollup.ts). Visitors appear only as `vh`, a
-- per-site SHA-256 of the visitor id (worker/analytics/visitor-hash.ts), which erasure recomputes.
-- Every visitor-keyed row is written in the same D1 batch as the event's `seen_events` row and only
-- while that row is absent, so a redelivered event adds nothing.

-- Replaced by seen_events, keyed by the visitor hash instead of the raw visitor id.
DROP TABLE IF EXISTS processed;

CREATE TABLE IF NOT EXISTS seen_events (
  site TEXT NOT NULL,
  vh TEXT NOT NULL,
  id TEXT NOT NULL,
  day TEXT NOT NULL,
  PRIMARY KEY (site, vh, id)
) WITHOUT ROWID;

-- One row per visitor and UTC day with any event: visitors per day, unique visitors per range.
CREATE TABLE IF NOT EXISTS visitor_days (
  site TEXT NOT NULL,
  day TEXT NOT NULL,
  vh TEXT NOT NULL,
  events INTEGER NOT NULL,
  pages INTEGER NOT NULL,
  PRIMARY KEY (site, day, vh)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS visitor_days_by_visitor ON visitor_days (site, vh);

-- Page views with their time and session id: sessions are cut at query time (worker/analytics/
-- kpis.ts), by the snippet's session id or after 30 idle minutes, whatever order events arrive in.
CREATE TABLE IF NOT EXISTS page_views (
  site TEXT NOT NULL,
  vh TEXT NOT NULL,
  id TEXT NOT NULL,
  day TEXT NOT NULL,
  at INTEGER NOT NULL,
  sid TEXT,
  PRIMARY KEY (site, vh, id)
);
CREATE INDEX IF NOT EXISTS page_views_by_day ON page_views (site, day);

-- Each visitor's progress through each multi-step form; `day` is that of the first form event.
CREATE TABLE IF NOT EXISTS form_visitors (
  site TEXT NOT NULL,
  form TEXT NOT NULL,
  vh TEXT NOT NULL,
  day TEXT NOT NULL,
  first_at INTEGER NOT NULL,
  furthest INTEGER NOT NULL,
  steps INTEGER,
  submitted_at INTEGER,
  abandoned_step INTEGER,
  PRIMARY KEY (site, form, vh)
);
CREATE INDEX IF NOT EXISTS form_visitors_by_day ON form_visitors (site, day);
CREATE INDEX IF NOT EXISTS form_visitors_by_visitor ON form_visitors (site, vh);

-- Step names as the forms declare them (data-nb-step-name); no visitor data.
CREATE TABLE IF NOT EXISTS form_steps (
  site TEXT NOT NULL,
  form TEXT NOT NULL,
  step INTEGER NOT NULL,
  name TEXT NOT NULL,
  PRIMARY KEY (site, form, step)
);

-- Each visitor exposed to an offer, per arm (a variant id, "-" without variants, or "holdout"),
-- and when they first reached the goal (a form submission) at or after the first exposure.
CREATE TABLE IF NOT EXISTS offer_visitors (
  site TEXT NOT NULL,
  offer TEXT NOT NULL,
  arm TEXT NOT NULL,
  vh TEXT NOT NULL,
  day TEXT NOT NULL,
  exposed_at INTEGER NOT NULL,
  impressions INTEGER NOT NULL,
  clicks INTEGER NOT NULL,
  converts INTEGER NOT NULL,
  goal_at INTEGER,
  PRIMARY KEY (site, offer, arm, vh)
);
CREATE INDEX IF NOT EXISTS offer_visitors_by_day ON offer_visitors (site, day);
CREATE INDEX IF NOT EXISTS offer_visitors_by_visitor ON offer_visitors (site, vh);

-- When each visitor first entered each lifecycle stage.
CREATE TABLE IF NOT EXISTS stage_visitors (
  site TEXT NOT NULL,
  stage TEXT NOT NULL,
  vh TEXT NOT NULL,
  day TEXT NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (site, stage, vh)
);
CREATE INDEX IF NOT EXISTS stage_visitors_by_visitor ON stage_visitors (site, vh);
