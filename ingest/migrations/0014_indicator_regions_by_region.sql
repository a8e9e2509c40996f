-- The regions a programme is tracked in (the overview's region variable, dashboards/grafana/sql.py), probed region by
-- region: the primary key (indicator, region) cannot find a region's rows, so without this index the variable read
-- every series of the programme (332,100 at national scale: 4 s on the loaded benchmark machine).
CREATE INDEX indicator_regions_region ON indicator_regions (region, indicator);
