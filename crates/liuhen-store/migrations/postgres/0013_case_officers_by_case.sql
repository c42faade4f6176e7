-- The officers of one case, found without reading the whole table: what
-- filling in the cases recorded before migration 0012 replaces, one case
-- at a time.
CREATE INDEX case_officers_by_case ON case_officers (case_id);
