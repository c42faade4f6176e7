-- How many cases there are, kept by every insert in the same transaction:
-- the case list shows the total without counting every case. Cases are
-- never deleted.
CREATE TABLE case_count (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    total INTEGER NOT NULL
);
INSERT INTO case_count (singleton, total) SELECT 1, COUNT(*) FROM cases;
