-- The customer lifecycle after the lead (worker/analytics/person-rollup.ts writes these; the
-- lifecycle section of /v1/stats reads them). Keyed by `vh`, the hash of the person's profile id:
-- a user's merged profile ("uid:…"), else the visitor, so erasure removes them with the rest.

-- The newest snapshot of each person: the one with the most events (`version`) wins.
CREATE TABLE IF NOT EXISTS people (
  site TEXT NOT NULL,
  vh TEXT NOT NULL,
  version INTEGER NOT NULL,
  source TEXT,
  medium TEXT,
  referrer TEXT,
  referred_at INTEGER,
  lead_at INTEGER,
  customer_at INTEGER,
  activated_at INTEGER,
  PRIMARY KEY (site, vh)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS people_by_customer ON people (site, customer_at);

-- The products of each person's newest snapshot.
CREATE TABLE IF NOT EXISTS person_products (
  site TEXT NOT NULL,
  vh TEXT NOT NULL,
  product TEXT NOT NULL,
  version INTEGER NOT NULL,
  taken_at INTEGER NOT NULL,
  closed_at INTEGER,
  PRIMARY KEY (site, vh, product)
) WITHOUT ROWID;

-- Visitors merged into a person: their own `people` rows (from before the merge) are not people.
CREATE TABLE IF NOT EXISTS person_links (
  site TEXT NOT NULL,
  vh TEXT NOT NULL,
  person TEXT NOT NULL,
  PRIMARY KEY (site, vh)
) WITHOUT ROWID;

-- The UTC days on which a customer made any event of their own (retention, churn).
CREATE TABLE IF NOT EXISTS customer_days (
  site TEXT NOT NULL,
  vh TEXT NOT NULL,
  day TEXT NOT NULL,
  PRIMARY KEY (site, vh, day)
) WITHOUT ROWID;

-- Revenue: the `amount`s of track events per person, day and currency.
CREATE TABLE IF NOT EXISTS revenue (
  site TEXT NOT NULL,
  vh TEXT NOT NULL,
  day TEXT NOT NULL,
  currency TEXT NOT NULL,
  amount REAL NOT NULL,
  events INTEGER NOT NULL,
  PRIMARY KEY (site, vh, day, currency)
) WITHOUT ROWID;

-- Customers back after more than the rules' dormant_days without activity, with the offer last shown meanwhile.
CREATE TABLE IF NOT EXISTS winbacks (
  site TEXT NOT NULL,
  vh TEXT NOT NULL,
  at INTEGER NOT NULL,
  day TEXT NOT NULL,
  offer TEXT,
  PRIMARY KEY (site, vh, at)
) WITHOUT ROWID;

-- Marketing spend per channel and day (PUT /v1/spend/:site, worker/analytics/spend.ts), in the rules' currency.
CREATE TABLE IF NOT EXISTS spend (
  site TEXT NOT NULL,
  day TEXT NOT NULL,
  source TEXT NOT NULL,
  medium TEXT NOT NULL,
  amount REAL NOT NULL,
  PRIMARY KEY (site, day, source, medium)
) WITHOUT ROWID;
