-- Compliance (合规检查): labels on AV records that belong to no case
-- (信息标注), the findings raised against the policy pack in force, and the
-- one resolution each finding may have. Rows are only ever added: a label
-- is numbered per recording, a finding that comes back after it was
-- resolved is a new row with the next generation of its key, and a
-- resolution is a row of its own rather than a change to the finding.
CREATE TABLE recording_labels (
    media_id      TEXT NOT NULL REFERENCES media (id),
    sequence      INTEGER NOT NULL,
    item          TEXT NOT NULL,
    location      TEXT NOT NULL,
    label         TEXT NOT NULL,
    officer_id    TEXT REFERENCES officers (id),
    labeled_at_us INTEGER NOT NULL,
    labeled_by    TEXT NOT NULL,
    PRIMARY KEY (media_id, sequence)
);

-- The whole finding is kept as JSON in `finding`; the columns beside it
-- are what queries select, order and constrain by. (key, generation) is
-- unique, so two refreshes racing cannot both raise the same breach.
CREATE TABLE findings (
    id           TEXT PRIMARY KEY NOT NULL,
    key          TEXT NOT NULL,
    generation   INTEGER NOT NULL,
    rule_id      TEXT NOT NULL,
    pack_id      TEXT NOT NULL,
    pack_version TEXT NOT NULL,
    severity     TEXT NOT NULL,
    case_id      TEXT REFERENCES cases (id),
    unit_id      TEXT REFERENCES units (id),
    officer_id   TEXT REFERENCES officers (id),
    raised_at_us INTEGER NOT NULL,
    raised_by    TEXT NOT NULL,
    finding      TEXT NOT NULL,
    UNIQUE (key, generation)
);
CREATE INDEX findings_by_case ON findings (case_id, raised_at_us);
CREATE INDEX findings_by_unit ON findings (unit_id, raised_at_us);
CREATE INDEX findings_by_time ON findings (raised_at_us);

-- `resolved_by` is the ledger actor (`FindingResolution::by`; `BY` itself
-- is a reserved word in SQL).
CREATE TABLE finding_resolutions (
    finding_id  TEXT PRIMARY KEY NOT NULL REFERENCES findings (id),
    kind        TEXT NOT NULL,
    note        TEXT NOT NULL,
    officer_id  TEXT REFERENCES officers (id),
    at_us       INTEGER NOT NULL,
    resolved_by TEXT NOT NULL
);

-- The duty log (执勤日志, 厦门 六（二）): when recording was impossible, and
-- why. Numbered per officer; only added.
CREATE TABLE duty_log (
    officer_id     TEXT NOT NULL REFERENCES officers (id),
    sequence       INTEGER NOT NULL,
    from_us        INTEGER NOT NULL,
    to_us          INTEGER NOT NULL,
    reason         TEXT NOT NULL,
    case_id        TEXT REFERENCES cases (id),
    reported_to    TEXT REFERENCES officers (id),
    recorded_at_us INTEGER NOT NULL,
    recorded_by    TEXT NOT NULL,
    PRIMARY KEY (officer_id, sequence)
);
