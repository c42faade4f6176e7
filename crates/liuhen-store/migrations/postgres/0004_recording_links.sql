-- AV records linked to cases (音像记录关联). One link per recording, case
-- and stage; links are never edited.
CREATE TABLE recording_links (
    case_id      TEXT NOT NULL REFERENCES cases (id),
    media_id     TEXT NOT NULL REFERENCES recordings (media_id),
    stage        TEXT NOT NULL,
    linked_at_us BIGINT NOT NULL,
    details      TEXT NOT NULL,
    PRIMARY KEY (case_id, media_id, stage)
);
CREATE INDEX recording_links_by_media ON recording_links (media_id);
