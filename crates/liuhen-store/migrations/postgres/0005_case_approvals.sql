-- Internal approval opinions (审批意见) of cases, numbered per case like its
-- steps; never edited.
CREATE TABLE case_approvals (
    case_id  TEXT NOT NULL REFERENCES cases (id),
    sequence BIGINT NOT NULL,
    at_us    BIGINT NOT NULL,
    details  TEXT NOT NULL,
    PRIMARY KEY (case_id, sequence)
);
