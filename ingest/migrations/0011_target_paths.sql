-- Issue 16: a target path depends only on the catalogue and the series' baseline value, so series that share those
-- share the path. Each distinct path is stored once (target_paths, keyed by a digest of its inputs) and each series
-- points at its own (indicator_status.path_id), instead of up to 11 years of rows for every series: 332,100 series of
-- 100 indicators with catalogue baselines are 100 paths, not 44 million rows. indicator_path keeps its shape as a view
-- for the SQL readers (Grafana).
CREATE TABLE target_paths (
    path_id         text NOT NULL,
    indicator       text NOT NULL REFERENCES indicators (code) ON DELETE CASCADE,
    period          text NOT NULL,
    period_start    timestamptz NOT NULL,
    period_end      timestamptz NOT NULL,
    expected        double precision,
    low             double precision,
    high            double precision,
    PRIMARY KEY (path_id, period_start)
);
GRANT SELECT ON target_paths TO chitieu_reader;

ALTER TABLE indicator_status ADD COLUMN path_id text, ADD COLUMN previous_approximately boolean NOT NULL DEFAULT false;
-- One province's page of the board (its regions, in key order) without reading the nation's.
CREATE INDEX indicator_status_region ON indicator_status (region, indicator);
ALTER TABLE indicator_status DROP COLUMN path_inputs;
DROP TABLE indicator_path;
CREATE VIEW indicator_path AS
    SELECT s.indicator, s.region, p.period, p.period_start, p.period_end, p.expected, p.low, p.high
    FROM indicator_status s JOIN target_paths p ON p.path_id = s.path_id;
GRANT SELECT ON indicator_path TO chitieu_reader;

-- The last full refresh of the snapshot: the day it judged and when. Readers of "today" serve the snapshot only when
-- it was judged for today; its age is a metric with an alert.
CREATE TABLE snapshot_refreshes (
    singleton       boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    as_of           date NOT NULL,
    computed_at     timestamptz NOT NULL,
    series          integer NOT NULL,
    seconds         double precision NOT NULL
);
GRANT SELECT ON snapshot_refreshes TO chitieu_reader;
