-- Issue 16: the overview board ("Tất cả chỉ tiêu") shows the 1.000 worst rows, ordered by the status' severity
-- (indicators.status.Status.severity), then the indicator's number, then the region's name. Computed in the query,
-- the severity made every read sort all 332,100 rows of a national programme (about 1 s). Stored by the refresh
-- (ingest/board.py) and indexed under the indicator, the board walks (severity, indicator) pairs worst first and
-- stops after 1.000 rows.
ALTER TABLE indicator_status ADD COLUMN severity smallint;
-- One-off backfill of the rows written before this migration (Status.severity as of this migration); the refresh
-- writes the column from then on.
UPDATE indicator_status SET severity = CASE status
    WHEN 'missed' THEN 6 WHEN 'off_track' THEN 5 WHEN 'at_risk' THEN 4 WHEN 'no_data' THEN 3
    WHEN 'not_computable' THEN 2 WHEN 'on_track' THEN 1 ELSE 0 END;
ALTER TABLE indicator_status ALTER COLUMN severity SET NOT NULL;
CREATE INDEX indicator_status_severity ON indicator_status (indicator, severity, region);
