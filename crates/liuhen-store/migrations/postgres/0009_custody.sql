-- Custody (调阅、保存与销毁): access requests and the one decision each may
-- have, classification marks, legal holds and their releases, disposal
-- lists and their approvals, the tombstones of disposed records, and the
-- packages handed over. Rows are only ever added: a decision, a release and
-- an approval are rows of their own rather than changes to what they
-- decide, a mark is lifted by a later mark, and a disposed record keeps its
-- media row beside its tombstone.
--
-- As with findings, the whole object is kept as JSON in `details`; the
-- columns beside it are what queries select, order and constrain by.
-- `…_by` columns hold the ledger actor (`BY` itself is a reserved word).

-- An access request (调阅申请). Its targets (cases, records, documents) are
-- in `details` only: requests are read whole, never looked up by target.
CREATE TABLE access_requests (
    id              TEXT PRIMARY KEY NOT NULL,
    requester       TEXT NOT NULL REFERENCES users (id),
    purpose         TEXT NOT NULL,
    mode            TEXT NOT NULL,
    from_us         BIGINT NOT NULL,
    until_us        BIGINT NOT NULL,
    requested_at_us BIGINT NOT NULL,
    details         TEXT NOT NULL
);
CREATE INDEX access_requests_by_requester ON access_requests (requester, requested_at_us);
CREATE INDEX access_requests_by_time ON access_requests (requested_at_us);

-- The decision on a request: keyed by the request, so it is decided once.
CREATE TABLE access_decisions (
    request_id       TEXT PRIMARY KEY NOT NULL REFERENCES access_requests (id),
    approved         BOOLEAN NOT NULL,
    approver         TEXT NOT NULL REFERENCES users (id),
    granted_until_us BIGINT,
    decided_at_us    BIGINT NOT NULL,
    details          TEXT NOT NULL
);

-- Classification marks (密级/保护标记) on a case, a record or a document:
-- exactly one of `case_id`, `media_id` and `document_id` is set, so each
-- mark refers to something that exists. Which marks are in force depends
-- on the order they were made (a lift undoes the mark before it), so each
-- row carries the ledger entry that recorded it and its place among that
-- entry's changes; that pair is the order, whatever the clocks said.
CREATE TABLE classification_marks (
    entry_idx      BIGINT NOT NULL,
    position       BIGINT NOT NULL,
    case_id        TEXT REFERENCES cases (id),
    media_id       TEXT REFERENCES media (id),
    document_id    TEXT REFERENCES documents (id),
    classification TEXT NOT NULL,
    lifted         BOOLEAN NOT NULL,
    marked_at_us   BIGINT NOT NULL,
    marked_by      TEXT NOT NULL,
    details        TEXT NOT NULL,
    PRIMARY KEY (entry_idx, position),
    CHECK (num_nonnulls(case_id, media_id, document_id) = 1)
);
CREATE INDEX classification_marks_by_case ON classification_marks (case_id);
CREATE INDEX classification_marks_by_media ON classification_marks (media_id);
CREATE INDEX classification_marks_by_document ON classification_marks (document_id);

-- Legal holds (冻结), placed in force on a case (all its linked records), a
-- record or a document; exactly one target is set, as for marks.
CREATE TABLE legal_holds (
    id           TEXT PRIMARY KEY NOT NULL,
    case_id      TEXT REFERENCES cases (id),
    media_id     TEXT REFERENCES media (id),
    document_id  TEXT REFERENCES documents (id),
    reason       TEXT NOT NULL,
    placed_at_us BIGINT NOT NULL,
    placed_by    TEXT NOT NULL,
    details      TEXT NOT NULL,
    CHECK (num_nonnulls(case_id, media_id, document_id) = 1)
);
CREATE INDEX legal_holds_by_case ON legal_holds (case_id);
CREATE INDEX legal_holds_by_media ON legal_holds (media_id);
CREATE INDEX legal_holds_by_time ON legal_holds (placed_at_us);

-- The release of a hold: keyed by the hold, so it is released once.
CREATE TABLE hold_releases (
    hold_id        TEXT PRIMARY KEY NOT NULL REFERENCES legal_holds (id),
    released_at_us BIGINT NOT NULL,
    released_by    TEXT NOT NULL,
    details        TEXT NOT NULL
);

-- Disposal lists (销毁清单), proposed unapproved. The records on a list are
-- rows of their own as well as in `details`, so that a disposal can be
-- checked against the list it names and each refers to a media row.
CREATE TABLE disposal_lists (
    id             TEXT PRIMARY KEY NOT NULL,
    proposed_at_us BIGINT NOT NULL,
    proposed_by    TEXT NOT NULL,
    details        TEXT NOT NULL
);
CREATE INDEX disposal_lists_by_time ON disposal_lists (proposed_at_us);

CREATE TABLE disposal_list_media (
    list_id  TEXT NOT NULL REFERENCES disposal_lists (id),
    media_id TEXT NOT NULL REFERENCES media (id),
    PRIMARY KEY (list_id, media_id)
);
CREATE INDEX disposal_list_media_by_media ON disposal_list_media (media_id);

-- The approval of a list: keyed by the list, so it is approved once.
CREATE TABLE disposal_approvals (
    list_id        TEXT PRIMARY KEY NOT NULL REFERENCES disposal_lists (id),
    approver       TEXT NOT NULL REFERENCES users (id),
    approved_at_us BIGINT NOT NULL,
    details        TEXT NOT NULL
);

-- What stays of a disposed record (its media row stays too). Keyed by the
-- media record, so a record is disposed of once; it must be on the list it
-- names, and that list approved. The store checks both first, to say which
-- is wrong; the two foreign keys hold it to them whatever the caller.
CREATE TABLE tombstones (
    media_id       TEXT PRIMARY KEY NOT NULL REFERENCES media (id),
    list_id        TEXT NOT NULL REFERENCES disposal_approvals (list_id),
    disposed_at_us BIGINT NOT NULL,
    disposed_by    TEXT NOT NULL,
    details        TEXT NOT NULL,
    FOREIGN KEY (list_id, media_id) REFERENCES disposal_list_media (list_id, media_id)
);
CREATE INDEX tombstones_by_time ON tombstones (disposed_at_us);

-- Packages handed over (复制留存, 叶县 第十五条): the records and documents
-- they hold are in `details`; the case and the grant they were made under,
-- where there is one, are columns so that they refer to rows that exist.
CREATE TABLE exports (
    id                 TEXT PRIMARY KEY NOT NULL,
    case_id            TEXT REFERENCES cases (id),
    grant_id           TEXT REFERENCES access_requests (id),
    purpose            TEXT NOT NULL,
    tagmanifest_sha256 TEXT NOT NULL,
    exported_at_us     BIGINT NOT NULL,
    exported_by        TEXT NOT NULL,
    details            TEXT NOT NULL
);
CREATE INDEX exports_by_case ON exports (case_id, exported_at_us);
CREATE INDEX exports_by_time ON exports (exported_at_us);
