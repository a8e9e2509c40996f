-- The catalogue's reference tables, the observation store (a hypertable holding every revision) and the
-- read-only role the dashboards connect as.

CREATE EXTENSION IF NOT EXISTS timescaledb;

CREATE TABLE catalogue_versions (
    version     serial PRIMARY KEY,
    loaded_at   timestamptz NOT NULL DEFAULT now(),
    digest      text NOT NULL,
    summary     jsonb NOT NULL DEFAULT '{}'
);

CREATE TABLE regions (
    code        text PRIMARY KEY,
    name_vi     text NOT NULL,
    name_en     text NOT NULL,
    level       text NOT NULL,
    parent      text REFERENCES regions (code)
);

CREATE TABLE agencies (
    code        text PRIMARY KEY,
    name_vi     text NOT NULL,
    name_en     text
);

CREATE TABLE programmes (
    id              text PRIMARY KEY,
    title_vi        text NOT NULL,
    title_en        text NOT NULL,
    issuer_vi       text NOT NULL,
    province        text NOT NULL REFERENCES regions (code),
    document_number text,
    document_date   date,
    start_year      integer NOT NULL,
    end_year        integer NOT NULL,
    kind            text NOT NULL,
    source          text NOT NULL,
    version         integer NOT NULL REFERENCES catalogue_versions (version),
    archived_at     timestamptz
);

CREATE TABLE indicators (
    code        text PRIMARY KEY,
    programme   text NOT NULL REFERENCES programmes (id),
    number      text,
    name_vi     text NOT NULL,
    name_en     text NOT NULL,
    "group"     text NOT NULL,
    unit        text NOT NULL,
    direction   text NOT NULL CHECK (direction IN ('higher', 'lower')),
    measure     text NOT NULL,
    frequency   text NOT NULL CHECK (frequency IN ('month', 'quarter', 'half_year', 'year')),
    owner       text REFERENCES agencies (code),
    parent      text REFERENCES indicators (code) DEFERRABLE INITIALLY DEFERRED,
    path_kind   text NOT NULL,
    definition  jsonb NOT NULL,            -- the whole validated catalogue entry, as loaded
    version     integer NOT NULL REFERENCES catalogue_versions (version),
    archived_at timestamptz
);
CREATE INDEX indicators_programme ON indicators (programme);

-- Every version of every indicator definition: what the targets were when a status was computed.
CREATE TABLE indicator_history (
    code        text NOT NULL,
    version     integer NOT NULL REFERENCES catalogue_versions (version),
    change      text NOT NULL CHECK (change IN ('added', 'changed', 'archived', 'restored')),
    definition  jsonb NOT NULL,
    PRIMARY KEY (code, version)
);

CREATE TABLE indicator_regions (
    indicator   text NOT NULL REFERENCES indicators (code),
    region      text NOT NULL REFERENCES regions (code),
    PRIMARY KEY (indicator, region)
);

-- Targets flattened for SQL readers (dashboards); the definition column stays the source of truth.
CREATE TABLE targets (
    indicator   text NOT NULL REFERENCES indicators (code) ON DELETE CASCADE,
    ordinal     integer NOT NULL,
    first_year  integer NOT NULL,
    last_year   integer NOT NULL,
    kind        text NOT NULL,
    basis       text NOT NULL,
    value       double precision,
    low         double precision,
    high        double precision,
    strict      boolean NOT NULL,
    quote       text NOT NULL,
    reason      text,
    PRIMARY KEY (indicator, ordinal)
);

-- One row per revision of a reported value. The current value of a period is its highest revision.
-- The time column is the period's start (midnight in Vietnam); a unique key must include it.
CREATE TABLE observations (
    indicator   text NOT NULL REFERENCES indicators (code),
    region      text NOT NULL REFERENCES regions (code),
    period_start timestamptz NOT NULL,
    period      text NOT NULL,             -- as reported: 2024, 2024-H1, 2024-Q2, 2024-06
    revision    integer NOT NULL CHECK (revision >= 1),
    value       double precision NOT NULL CHECK (value = value AND value NOT IN ('Infinity', '-Infinity')),
    status      text NOT NULL CHECK (status IN ('estimate', 'preliminary', 'official')),
    note        text,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    key_id      text NOT NULL,             -- the API key (or 'cli:<user>') that wrote this revision
    PRIMARY KEY (indicator, region, period_start, revision)
);
-- Yearly chunks: data arrive monthly at most, so the 7-day default would make thousands of near-empty chunks.
-- ('1 year' would be stored as 360 days, hence 365.)
SELECT create_hypertable('observations', by_range('period_start', INTERVAL '365 days'));

CREATE VIEW observations_current AS
    SELECT DISTINCT ON (indicator, region, period_start) *
    FROM observations
    ORDER BY indicator, region, period_start, revision DESC;

-- Read-only access for Grafana: a group role holding SELECT, and a login role that can only read.
-- The statement between the two "read-only roles" lines is also run, as written here, before a restore and when the
-- embedded cluster starts (ingest/roles.py reads it from this file).
-- read-only roles: begin
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'chitieu_reader') THEN
        CREATE ROLE chitieu_reader NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'chitieu_grafana') THEN
        CREATE ROLE chitieu_grafana LOGIN IN ROLE chitieu_reader;
        ALTER ROLE chitieu_grafana SET default_transaction_read_only = on;
    END IF;
END
$$;
-- read-only roles: end
GRANT USAGE ON SCHEMA public TO chitieu_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO chitieu_reader;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO chitieu_reader;
