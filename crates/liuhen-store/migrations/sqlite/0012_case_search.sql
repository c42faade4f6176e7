-- What the case list (案件列表) selects and orders by, kept beside each
-- case so that a page of 100 000 cases is read by index, not by loading
-- every case:
--   stage          the stage the case stands at (the last stage entered or
--                  resumed; NULL before its first step), kept by each step;
--   search_*       the number, the matter and the parties' names in lower
--                  case (parties one per line), for "contains" searches;
--   case_officers  the officers handling each case (the lead among them).
-- All of it is derived from `details` and the case's steps. Cases recorded
-- before this migration have `indexed` false until the store fills these
-- in when it is next opened (the rules that derive them live in Rust).
ALTER TABLE cases ADD COLUMN stage TEXT;
ALTER TABLE cases ADD COLUMN search_number TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN search_matter TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN search_parties TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN indexed INTEGER NOT NULL DEFAULT 0;

CREATE TABLE case_officers (
    officer_id TEXT NOT NULL,
    case_id    TEXT NOT NULL REFERENCES cases (id),
    PRIMARY KEY (officer_id, case_id)
);

CREATE INDEX cases_by_time ON cases (opened_at_us, id);
CREATE INDEX cases_by_unit ON cases (unit_id, opened_at_us);
CREATE INDEX cases_by_stage ON cases (stage, opened_at_us);
CREATE INDEX cases_by_kind ON cases (act_kind, opened_at_us);
CREATE INDEX cases_by_number ON cases (number);
CREATE INDEX cases_not_indexed ON cases (id) WHERE NOT indexed;
