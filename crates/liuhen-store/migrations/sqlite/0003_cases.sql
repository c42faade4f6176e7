-- Cases (案件) and the steps of their procedure (程序环节). The whole record
-- is kept as JSON in `details`; the columns beside it are what queries
-- select, order and constrain by. Steps are numbered per case: two writers
-- that both computed step N from the same history cannot both record it.
CREATE TABLE cases (
    id           TEXT PRIMARY KEY NOT NULL,
    agency_id    TEXT NOT NULL REFERENCES agencies (id),
    unit_id      TEXT NOT NULL REFERENCES units (id),
    number       TEXT NOT NULL,
    act_kind     TEXT NOT NULL,
    opened_at_us INTEGER NOT NULL,
    details      TEXT NOT NULL,
    UNIQUE (agency_id, number)
);

CREATE TABLE case_steps (
    case_id  TEXT NOT NULL REFERENCES cases (id),
    sequence INTEGER NOT NULL,
    at_us    INTEGER NOT NULL,
    details  TEXT NOT NULL,
    PRIMARY KEY (case_id, sequence)
);
