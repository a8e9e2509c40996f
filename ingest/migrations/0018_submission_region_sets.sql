-- Issue 16: the offices panel (data timeliness) counts the regions each office reached from the distinct region sets
-- its writes carried. Grouping the writes by their ~98-code arrays hashed every array on every read, and reading them
-- read rows of 1,6 kB each (6,8 s over the 408,000 submissions of 120 national months).
--
-- region_set is the set as a 64-bit digest of the sorted array, written with the row by every write path (the ingest
-- statements, rebuild_submissions, raw COPY) because it is generated, and computed here for the rows already stored.
-- Two different sets sharing a digest (odds about n^2 / 2^65 for n sets) would be counted as one.
ALTER TABLE submissions ADD COLUMN region_set bigint GENERATED ALWAYS AS (hash_array_extended(regions, 0)) STORED;
-- The panel groups the writes in range by key, indicator and region set from the primary key alone (an index-only
-- scan of narrow entries once autovacuum has marked the pages visible, not the wide rows), then reads one write's
-- regions per distinct set by this index.
ALTER TABLE submissions DROP CONSTRAINT submissions_pkey,
    ADD PRIMARY KEY (recorded_at, key_id, indicator) INCLUDE (rows, region_set);
CREATE INDEX submissions_region_set ON submissions (region_set);
