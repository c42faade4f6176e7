-- Collection workstation (采集站): files offloaded from devices, and officers'
-- explanations of interruptions. The whole record is kept as JSON in
-- `details`; the columns beside it are what queries select and order by.
CREATE TABLE recordings (
    media_id       TEXT PRIMARY KEY NOT NULL REFERENCES media (id),
    device_id      TEXT NOT NULL REFERENCES devices (id),
    officer_id     TEXT REFERENCES officers (id),
    -- Corrected start (workstation clock), when known.
    start_us       INTEGER,
    ingested_at_us INTEGER NOT NULL,
    details        TEXT NOT NULL
);
CREATE INDEX recordings_by_device ON recordings (device_id, start_us);
CREATE INDEX recordings_by_time ON recordings (start_us, ingested_at_us);

CREATE TABLE interruption_notes (
    before_media TEXT NOT NULL REFERENCES media (id),
    after_media  TEXT NOT NULL REFERENCES media (id),
    device_id    TEXT NOT NULL REFERENCES devices (id),
    noted_at_us  INTEGER NOT NULL,
    details      TEXT NOT NULL,
    PRIMARY KEY (before_media, after_media)
);
