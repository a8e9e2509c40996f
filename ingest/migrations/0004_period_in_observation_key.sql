-- A full-year figure ("2023") and the first quarter or month of that year start on the same day: the key needs the
-- period itself, or the year's figure would become a revision of January's.
DROP VIEW observations_current;
ALTER TABLE observations DROP CONSTRAINT observations_pkey;
ALTER TABLE observations ADD PRIMARY KEY (indicator, region, period_start, period, revision);

CREATE VIEW observations_current AS
    SELECT DISTINCT ON (indicator, region, period_start, period) *
    FROM observations
    ORDER BY indicator, region, period_start, period, revision DESC;
GRANT SELECT ON observations_current TO chitieu_reader;
