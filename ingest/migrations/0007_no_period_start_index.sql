-- create_hypertable's default index on period_start alone: every query here names the indicator (and region), which
-- the primary key serves. Worse, with the batch's period range in the ingest lookup (ingest/observations.py) and
-- statistics that do not yet know a new month, the planner took this index and read every series of the month
-- for each row of a batch. Without it, each row's lookup is one probe of the primary key; inserts maintain one
-- index fewer.
DROP INDEX IF EXISTS observations_period_start_idx;
