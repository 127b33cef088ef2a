-- The channel of a page view: its URL's utm_source and utm_medium, when it has either. A visitor's
-- first such page view is their first touch, which lead conversion is grouped by
-- (worker/analytics/kpis.ts). Page views rolled up before this migration have neither.
ALTER TABLE page_views ADD COLUMN source TEXT;
ALTER TABLE page_views ADD COLUMN medium TEXT;
