-- Which entries name which subject (`media:…`, `case:…`), so the entries
-- about one record are found without reading the whole ledger (court
-- packages prove each of them). Written in the same transaction as the
-- entries; no foreign key, so the ledger's own rows stay the only truth
-- and `verify` still finds a deleted or edited entry.
CREATE TABLE ledger_subjects (
    subject TEXT NOT NULL,
    idx     BIGINT NOT NULL,
    PRIMARY KEY (subject, idx)
);

INSERT INTO ledger_subjects (subject, idx)
SELECT DISTINCT named, entries.idx
FROM ledger_entries AS entries, jsonb_array_elements_text(entries.subjects::jsonb) AS named
ON CONFLICT DO NOTHING;
