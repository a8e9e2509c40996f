-- Issue 15.1: each active task as of the snapshot's day, with the flags of indicators.model (task_open, task_overdue)
-- written by the snapshot's full refresh (and for one task again when it is reported on), so the dashboards read
-- whether a task is open or overdue instead of applying the rule in SQL.
CREATE TABLE task_status (
    task            text PRIMARY KEY REFERENCES tasks (code) ON DELETE CASCADE,
    as_of           date NOT NULL,
    state           text,
    open            boolean NOT NULL,
    overdue         boolean NOT NULL
);
GRANT SELECT ON task_status TO chitieu_reader;
