-- What the status engine last computed, for SQL readers (Grafana), and the history of alerts Alertmanager sent us.

-- One row per indicator and region: the board as of computed_at. Rewritten by the service after each ingest
-- (debounced) and by `chitieu status refresh`.
CREATE TABLE indicator_status (
    indicator       text NOT NULL REFERENCES indicators (code) ON DELETE CASCADE,
    region          text NOT NULL REFERENCES regions (code),
    as_of           date NOT NULL,
    period          text,
    actual          double precision,
    expected        double precision,
    low             double precision,
    high            double precision,
    target          double precision,
    status          text NOT NULL,
    report_overdue  boolean NOT NULL,
    progress_ratio  double precision,
    projection      double precision,
    projection_meets_target boolean,
    reason          text,
    last_recorded_at timestamptz,
    computed_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (indicator, region)
);

-- The target path per period, for charts: expected value and band at the end of each period.
CREATE TABLE indicator_path (
    indicator       text NOT NULL REFERENCES indicators (code) ON DELETE CASCADE,
    region          text NOT NULL REFERENCES regions (code),
    period          text NOT NULL,
    period_start    timestamptz NOT NULL,
    period_end      timestamptz NOT NULL,
    expected        double precision,
    low             double precision,
    high            double precision,
    PRIMARY KEY (indicator, region, period_start)
);

CREATE TABLE alert_events (
    id              bigserial PRIMARY KEY,
    received_at     timestamptz NOT NULL DEFAULT now(),
    fingerprint     text NOT NULL,
    alertname       text NOT NULL,
    status          text NOT NULL CHECK (status IN ('firing', 'resolved')),
    severity        text,
    indicator       text,
    region          text,
    task            text,
    programme       text,
    province        text,
    owner           text,
    receiver        text NOT NULL,             -- who Alertmanager routed it to
    starts_at       timestamptz,
    ends_at         timestamptz,
    summary         text,
    description     text,
    labels          jsonb NOT NULL,
    annotations     jsonb NOT NULL,
    UNIQUE (fingerprint, status, starts_at, receiver)
);
CREATE INDEX alert_events_received ON alert_events (received_at DESC);
