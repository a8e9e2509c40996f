-- Issue 16: the overview's counts ("Số liệu", "Chỉ tiêu theo trạng thái", "Chỉ tiêu theo nhóm") read status_counts for
-- the provinces whose every counted region the region variable selects, instead of grouping up to 332,100 snapshot
-- rows (0,2-0,4 s at national scale). For that the dashboards need the regions status_counts counts and their province
-- (indicators.commune_level.aggregated_regions, as the last full refresh counted them), and each count's as-of date.
-- Both are written by the refresh in the snapshot's transaction (ingest/status_counts.py): the counts are always the
-- snapshot grouped by counted_regions.
CREATE TABLE counted_regions (
    region      text PRIMARY KEY,
    province    text NOT NULL
);
GRANT SELECT ON counted_regions TO chitieu_reader;

-- The counts are derived: recounted, with their dates, by the next full refresh (the refresher's first, at start),
-- as after 0016.
DELETE FROM status_counts;
ALTER TABLE status_counts ADD COLUMN as_of date NOT NULL;
