-- Complaints and reports (投诉举报) and their one outcome each.
CREATE TABLE complaints (
    id             TEXT PRIMARY KEY NOT NULL,
    agency_id      TEXT NOT NULL REFERENCES agencies (id),
    received_at_us BIGINT NOT NULL,
    details        TEXT NOT NULL
);

CREATE TABLE complaint_outcomes (
    complaint_id  TEXT PRIMARY KEY NOT NULL REFERENCES complaints (id),
    case_id       TEXT REFERENCES cases (id),
    decided_at_us BIGINT NOT NULL,
    details       TEXT NOT NULL
);
