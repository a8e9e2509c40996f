-- Issue 14: the snapshot carries what the board now says beside the status: an approximate target achieved within its
-- tolerance ("khoảng"), and the outcome of the target period before the current one (the board judges the current
-- target period; how the previous one ended goes beside it).
ALTER TABLE indicator_status
    ADD COLUMN approximately boolean NOT NULL DEFAULT false,
    ADD COLUMN previous_period text,
    ADD COLUMN previous_status text,
    ADD COLUMN previous_actual double precision,
    ADD COLUMN previous_target double precision;
