-- What ad platforms match an audience member by, one row per profile that has been in an audience:
-- the person's (vid `uid:<hash>`, every browser linked to them in `vids`) or an anonymous visitor's.
-- Mirrored from the Durable Object beside audience_members (joined on site and vid), read by
-- GET /v1/audiences/:site/:audience and its exports, deleted by an erasure and when a visitor's
-- profile merges into its person's. Click ids carry their times; readers drop those past 90 days.
CREATE TABLE IF NOT EXISTS audience_identities (
  site TEXT NOT NULL,
  vid TEXT NOT NULL,
  uid TEXT,
  vids TEXT NOT NULL,      -- JSON array of visitor ids
  email_sha256 TEXT,
  phone_sha256 TEXT,        -- E.164 with its + (Google)
  phone_digits_sha256 TEXT, -- the same digits without the + (Meta)
  click_ids TEXT NOT NULL, -- JSON: {name: {value, at}}
  consent TEXT NOT NULL,   -- JSON: {analytics?, personalization?, ads?}
  updated INTEGER NOT NULL,
  PRIMARY KEY (site, vid)
);
