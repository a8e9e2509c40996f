-- Issue 16: the snapshot is derived from the catalogue the refresher read, and a full refresh rewrites all of it
-- (332,222 rows at national scale): two foreign-key checks per row bounded that serial write. The catalogue load
-- deletes an indicator's snapshot rows itself when it deletes the indicator (ingest/catalogue_store.py), what the
-- ON DELETE CASCADE did; regions are never deleted.
ALTER TABLE indicator_status
    DROP CONSTRAINT indicator_status_indicator_fkey,
    DROP CONSTRAINT indicator_status_region_fkey;

-- The snapshot's communes and districts (indicators.commune_level.aggregated_regions) counted by indicator, the
-- province they lie in and status, with how many are report-overdue: written by the refresh in the transaction of the
-- snapshot (ingest/status_counts.py), so readers (/metrics) read a few thousand counts instead of grouping 332,100
-- rows on every read.
CREATE TABLE status_counts (
    indicator       text NOT NULL,
    province        text NOT NULL,
    status          text NOT NULL,
    series          integer NOT NULL,
    overdue         integer NOT NULL,
    PRIMARY KEY (indicator, province, status)
);
GRANT SELECT ON status_counts TO chitieu_reader;
