-- Issue 15.1: how the status engine judges each indicator (indicators.paths.judgement: the final target's basis, the
-- unit of the judged values, their decimals, the final year), written beside the targets when the catalogue is
-- loaded. The dashboards read it with the board (every series joins its indicator's row) instead of re-deriving the
-- rule from the targets in SQL.
CREATE TABLE indicator_judgements (
    indicator       text PRIMARY KEY REFERENCES indicators (code) ON DELETE CASCADE,
    basis           text NOT NULL,
    unit_vi         text NOT NULL,
    unit_en         text NOT NULL,
    symbol_vi       text NOT NULL,
    decimals        integer NOT NULL,
    final_year      integer NOT NULL
);
GRANT SELECT ON indicator_judgements TO chitieu_reader;
