-- Issue 16: each series' item of GET /v1/status, encoded by the refresh as the API's JSON writer encodes it
-- (ingest/status_item.py), so that today's board is served from these bytes as they are: a province's 9.800 items
-- were a Python tuple, then a dict, then JSON on every read (a bytea: psycopg hands it over without a Python object
-- per value, and nothing re-reads it as JSON).
-- The rows written before this migration have no item: the snapshot is emptied, and until the refresher writes it
-- again (about 30 s for a national board) the board is judged live, as when a service starts without one.
DELETE FROM snapshot_refreshes;
DELETE FROM indicator_status;
DELETE FROM status_counts;  -- the communes counted from it (0016, 0019): none until the next full refresh
ALTER TABLE indicator_status ADD COLUMN item bytea NOT NULL;
