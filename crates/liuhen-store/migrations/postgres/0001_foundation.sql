-- Foundation schema: directory (agencies, units, officers, devices, users),
-- media records, auth, and the ledger. Never edit once landed; add a new file.
CREATE TABLE agencies (
    id   TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    code TEXT NOT NULL UNIQUE
);

CREATE TABLE units (
    id        TEXT PRIMARY KEY NOT NULL,
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    parent_id TEXT REFERENCES units (id),
    name      TEXT NOT NULL,
    code      TEXT NOT NULL,
    UNIQUE (agency_id, code)
);

CREATE TABLE officers (
    id             TEXT PRIMARY KEY NOT NULL,
    agency_id      TEXT NOT NULL REFERENCES agencies (id),
    unit_id        TEXT NOT NULL REFERENCES units (id),
    name           TEXT NOT NULL,
    certificate_no TEXT UNIQUE,
    badge_no       TEXT NOT NULL,
    role           TEXT NOT NULL,
    qualification  TEXT NOT NULL,
    UNIQUE (agency_id, badge_no)
);

CREATE TABLE devices (
    id               TEXT PRIMARY KEY NOT NULL,
    agency_id        TEXT NOT NULL REFERENCES agencies (id),
    serial           TEXT NOT NULL,
    kind             TEXT NOT NULL,
    model            TEXT,
    assigned_officer TEXT REFERENCES officers (id),
    unit_id          TEXT REFERENCES units (id),
    UNIQUE (agency_id, serial)
);

CREATE TABLE users (
    id            TEXT PRIMARY KEY NOT NULL,
    login         TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    roles         TEXT NOT NULL,
    officer_id    TEXT REFERENCES officers (id),
    disabled      BOOLEAN NOT NULL
);

CREATE TABLE media (
    id            TEXT PRIMARY KEY NOT NULL,
    sha256        TEXT NOT NULL UNIQUE,
    sm3           TEXT NOT NULL,
    size          BIGINT NOT NULL,
    original_name TEXT,
    stored_at_us  BIGINT NOT NULL,
    stored_by     TEXT NOT NULL,
    source_device TEXT REFERENCES devices (id)
);

CREATE TABLE sessions (
    id            TEXT PRIMARY KEY NOT NULL,
    user_id       TEXT NOT NULL REFERENCES users (id),
    secret_sha256 TEXT NOT NULL UNIQUE,
    created_at_us BIGINT NOT NULL,
    expires_at_us BIGINT NOT NULL,
    ended         BOOLEAN NOT NULL
);

CREATE TABLE api_tokens (
    id            TEXT PRIMARY KEY NOT NULL,
    device_id     TEXT NOT NULL REFERENCES devices (id),
    secret_sha256 TEXT NOT NULL UNIQUE,
    created_at_us BIGINT NOT NULL,
    revoked       BOOLEAN NOT NULL
);

CREATE TABLE ledger_entries (
    idx            BIGINT PRIMARY KEY NOT NULL,
    time_us        BIGINT NOT NULL,
    actor          TEXT NOT NULL,
    action         TEXT NOT NULL,
    subjects       TEXT NOT NULL,
    payload_sha256 TEXT NOT NULL,
    payload        TEXT NOT NULL
);

-- Hash of every perfect subtree: (level, idx) covers leaves
-- [idx << level, (idx + 1) << level). Level 0 holds the leaf hashes.
CREATE TABLE ledger_nodes (
    level BIGINT NOT NULL,
    idx   BIGINT NOT NULL,
    hash  BYTEA NOT NULL,
    PRIMARY KEY (level, idx)
);

CREATE TABLE ledger_checkpoints (
    size          BIGINT PRIMARY KEY NOT NULL,
    root          BYTEA NOT NULL,
    signed_note   TEXT NOT NULL,
    created_at_us BIGINT NOT NULL
);
