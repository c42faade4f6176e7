-- The S3 Object Lock (对象锁定) the vault's bucket accepted for each record's
-- blob: its retain-until date (compliance mode) and its legal hold. Rows
-- are only ever added; a record's lock is its latest row, in the order of
-- the ledger entries that recorded them (entry, then place in the entry).
-- The lock pass compares what each record needs with this and sends the
-- bucket only what changed.
CREATE TABLE blob_locks (
    entry_idx       BIGINT NOT NULL,
    position        BIGINT NOT NULL,
    media_id        TEXT NOT NULL REFERENCES media (id),
    retain_until_us BIGINT,
    legal_hold      BOOLEAN NOT NULL,
    locked_at_us    BIGINT NOT NULL,
    details         TEXT NOT NULL,
    PRIMARY KEY (entry_idx, position)
);
CREATE INDEX blob_locks_by_media ON blob_locks (media_id, entry_idx, position);
