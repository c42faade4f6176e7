-- The items each spot check drew, by subject, so that "which checks drew
-- this record (or its case)?" is one indexed lookup: an inspector plays
-- back what a spot check drew (叶县 第二十二条), and every read check asks.
-- Written with the check; checks drawn before this migration are filled
-- in from their details here.
CREATE TABLE spot_check_items (
    check_id   TEXT NOT NULL REFERENCES spot_checks (id),
    position   BIGINT NOT NULL,
    subject_id TEXT NOT NULL,
    PRIMARY KEY (check_id, position)
);
CREATE INDEX spot_check_items_by_subject ON spot_check_items (subject_id);

INSERT INTO spot_check_items (check_id, position, subject_id)
SELECT spot_checks.id, (item ->> 'position')::BIGINT, item -> 'subject' ->> 'id'
FROM spot_checks, jsonb_array_elements(spot_checks.details::jsonb -> 'items') AS item;
