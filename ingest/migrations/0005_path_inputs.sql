-- What each series' indicator_path rows were drawn from (catalogue digest and baseline value): a refresh of the
-- series a push wrote rewrites their paths only when these change, instead of up to 11 years of rows per push.
ALTER TABLE indicator_status ADD COLUMN path_inputs text;
