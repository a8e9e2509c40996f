-- API keys for statistics offices, and the tasks of the catalogue with their progress reports.

CREATE TABLE api_keys (
    id          text PRIMARY KEY,          -- public part of the token, safe to log
    office      text NOT NULL,
    regions     text[] NOT NULL,
    programmes  text[] NOT NULL,
    secret_hash bytea NOT NULL,            -- sha256 of the secret part; the secret itself is never stored
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz,
    revoked_at  timestamptz
);
REVOKE ALL ON api_keys FROM chitieu_reader;
GRANT SELECT (id, office, regions, programmes, created_at, expires_at, revoked_at) ON api_keys TO chitieu_reader;

CREATE TABLE tasks (
    code            text PRIMARY KEY,
    programme       text NOT NULL REFERENCES programmes (id),
    section         text NOT NULL,
    title_vi        text NOT NULL,
    lead            text[] NOT NULL,
    cooperating     text[] NOT NULL,
    cooperating_text text,
    time_frame      text NOT NULL,
    due             date,
    review_every    text,
    until_event     text,
    kind            text NOT NULL,
    supervisor_text text,
    definition      jsonb NOT NULL,
    version         integer NOT NULL REFERENCES catalogue_versions (version),
    archived_at     timestamptz
);
CREATE INDEX tasks_programme ON tasks (programme);

CREATE TABLE task_reports (
    id              bigserial PRIMARY KEY,
    task            text NOT NULL REFERENCES tasks (code),
    reported_on     date NOT NULL,
    state           text NOT NULL CHECK (state IN ('not_started', 'in_progress', 'done', 'cancelled')),
    percent_done    double precision CHECK (percent_done BETWEEN 0 AND 100),
    note            text,
    key_id          text NOT NULL,
    recorded_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX task_reports_task ON task_reports (task, reported_on DESC, id DESC);
