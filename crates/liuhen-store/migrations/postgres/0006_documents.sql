-- Enforcement documents (执法文书): every version a row, never updated; a
-- version is superseded at most once, so a document's history is a line.
CREATE TABLE documents (
    id          TEXT PRIMARY KEY NOT NULL,
    case_id     TEXT NOT NULL REFERENCES cases (id),
    kind        TEXT NOT NULL,
    version     BIGINT NOT NULL,
    supersedes  TEXT UNIQUE REFERENCES documents (id),
    made_at_us  BIGINT NOT NULL,
    details     TEXT NOT NULL
);
CREATE INDEX documents_by_case ON documents (case_id, made_at_us);

CREATE TABLE document_signatures (
    document_id TEXT NOT NULL REFERENCES documents (id),
    sequence    BIGINT NOT NULL,
    at_us       BIGINT NOT NULL,
    details     TEXT NOT NULL,
    PRIMARY KEY (document_id, sequence)
);
