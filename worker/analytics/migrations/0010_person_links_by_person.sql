-- The devices of a person: the stages section counts people (worker/dashboard/people.ts), so it
-- looks up every visitor merged into a person, by the person, to find their first lead-stage entry,
-- their first touch and whether any of them became a customer.
CREATE INDEX IF NOT EXISTS person_links_by_person ON person_links (site, person, vh);
