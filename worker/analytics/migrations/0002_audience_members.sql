-- Retargeting audience memberships, mirrored from each visitor's Durable Object for ad-platform
-- sync (GET /v1/audiences/:site/:audience). A member is current while `left` is null and `expires`
-- is in the future; the row keeps the latest state only.
CREATE TABLE IF NOT EXISTS audience_members (
  site TEXT NOT NULL,
  audience TEXT NOT NULL,
  vid TEXT NOT NULL,
  uid TEXT,
  joined INTEGER NOT NULL,
  expires INTEGER NOT NULL,
  left_at INTEGER,
  PRIMARY KEY (site, audience, vid)
);
CREATE INDEX IF NOT EXISTS audience_members_current ON audience_members (site, audience, expires);
