-- What the dashboard filters and labels by (worker/dashboard/kpis.ts).

-- A page view's path (grouped into pages at query time, worker/dashboard/paths.ts) and the device
-- class of the request that sent it (mobile, tablet, desktop): the filters by device, and top pages
-- under any filter, read them. Page views rolled up before this migration have neither.
ALTER TABLE page_views ADD COLUMN path TEXT;
ALTER TABLE page_views ADD COLUMN device TEXT;
-- The filters' lookups: the visitors with a page view so tagged in the range, read from an index
-- alone (it holds every column the lookup reads) instead of every page view of the range.
CREATE INDEX IF NOT EXISTS page_views_by_channel ON page_views (site, source, medium, day, device, vh);
CREATE INDEX IF NOT EXISTS page_views_by_device ON page_views (site, device, day, source, medium, vh);

-- Step labels as the pages sent them (data-nb-step-name), counted per day: a range shows the label
-- most of its events carried, so a form whose markup changed shows the labels of the version its
-- visitors saw, not those of whichever visitor came first. At most LABELS_PER_STEP labels per step
-- (worker/analytics/rollup.ts) are kept, so made-up labels cannot grow the table. No visitor data.
CREATE TABLE IF NOT EXISTS form_step_labels (
  site TEXT NOT NULL,
  form TEXT NOT NULL,
  step INTEGER NOT NULL,
  name TEXT NOT NULL,
  day TEXT NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY (site, form, step, name, day)
) WITHOUT ROWID;

-- Replaced by form_step_labels: it kept the first label a step was seen with, for good.
DROP TABLE IF EXISTS form_steps;
