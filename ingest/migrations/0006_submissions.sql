-- What each write brought, for the data-timeliness dashboard, which counts what the offices sent by when it was
-- received (recorded_at). observations is chunked by period_start, and a continuous aggregate can only bucket a
-- hypertable by its time column (the Apache edition has none anyway): counted from observations, these panels read
-- every revision ever stored. One row per indicator per ingest transaction, written by the ingest statement itself
-- (ingest/observations.py); rebuilt from observations by ingest.submissions.rebuild_submissions.
CREATE TABLE submissions (
    recorded_at timestamptz NOT NULL,      -- the transaction's now(), as in observations.recorded_at
    key_id      text NOT NULL,
    indicator   text NOT NULL REFERENCES indicators (code),
    rows        integer NOT NULL,          -- revisions written
    regions     text[] NOT NULL,           -- the distinct regions they were written for, sorted
    PRIMARY KEY (recorded_at, key_id, indicator)
);
-- For the foreign key's checks, and for one programme's writes when others make up most of the table.
CREATE INDEX submissions_indicator ON submissions (indicator, recorded_at);
GRANT SELECT ON submissions TO chitieu_reader;

-- The latest values received, newest first: read from the top of this index instead of sorting the whole range.
CREATE INDEX observations_recorded_at ON observations (recorded_at);

-- Every row a transaction writes shares its recorded_at (now()), so the writes already stored are these groups.
INSERT INTO submissions (recorded_at, key_id, indicator, rows, regions)
SELECT recorded_at, key_id, indicator, count(*), array_agg(DISTINCT region ORDER BY region)
FROM observations
GROUP BY recorded_at, key_id, indicator;
