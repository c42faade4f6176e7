-- Party copies (当事人查阅副本): each derived file is a media record of its
-- own; this row is its lineage — what it was made from (an AV record or a
-- document), the source's digest, what was withheld and who approved it.
-- One lineage per derived record; only added.
CREATE TABLE redactions (
    derived_media_id TEXT PRIMARY KEY NOT NULL REFERENCES media (id),
    source_kind      TEXT NOT NULL,
    source_id        TEXT NOT NULL,
    made_at_us       BIGINT NOT NULL,
    details          TEXT NOT NULL
);
CREATE INDEX redactions_by_source ON redactions (source_kind, source_id);
