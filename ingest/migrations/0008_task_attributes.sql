-- Physical specifications printed for a task or a project row of a danh mục (a road's length and lanes, a plant's
-- capacity): one typed row each, so the API and Grafana can show them beside the task without reading JSON.
CREATE TABLE task_attributes (
    task        text NOT NULL REFERENCES tasks (code) ON DELETE CASCADE,
    ordinal     integer NOT NULL,           -- order in the catalogue
    name_vi     text NOT NULL,
    name_en     text NOT NULL,
    value       double precision NOT NULL,
    unit        text NOT NULL,
    approximate boolean NOT NULL DEFAULT false,
    quote       text NOT NULL,
    note        text,
    PRIMARY KEY (task, ordinal)
);
GRANT SELECT ON task_attributes TO chitieu_reader;
