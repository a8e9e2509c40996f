-- Rate limits shared by every API process on the database (workers and replicas; api/limits.py): one token bucket per
-- API key, rewritten by each write of the key. UNLOGGED: no WAL for a counter that may be lost in a crash (the table is
-- then empty and every key starts with a full bucket).
CREATE UNLOGGED TABLE rate_limit_buckets (
    key_id text PRIMARY KEY,
    tokens double precision NOT NULL,
    counted_at double precision NOT NULL, -- seconds since the epoch
    granted boolean NOT NULL -- whether the last write took a token
);
