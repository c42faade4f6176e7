-- Spot checks (抽检, 叶县 第二十二条; 厦门 六（四）). A drawn check is kept
-- whole as JSON in `details` (its plan, seed, population digest and the
-- items drawn); its population — every member the plan selected, with the
-- stratum it fell in — is kept beside it, so the draw can be redone from
-- the seed exactly, whatever was recorded later. Reviews are only added:
-- (check, position, sequence) is unique.
CREATE TABLE spot_checks (
    id          TEXT PRIMARY KEY NOT NULL,
    drawn_at_us INTEGER NOT NULL,
    details     TEXT NOT NULL
);

CREATE TABLE spot_check_population (
    check_id   TEXT NOT NULL REFERENCES spot_checks (id),
    subject_id TEXT NOT NULL,
    stratum    TEXT NOT NULL,
    PRIMARY KEY (check_id, subject_id)
);

CREATE TABLE spot_check_reviews (
    check_id       TEXT NOT NULL REFERENCES spot_checks (id),
    position       INTEGER NOT NULL,
    sequence       INTEGER NOT NULL,
    subject_id     TEXT NOT NULL,
    reviewed_at_us INTEGER NOT NULL,
    details        TEXT NOT NULL,
    PRIMARY KEY (check_id, position, sequence)
);
CREATE INDEX spot_check_reviews_by_subject ON spot_check_reviews (subject_id);
