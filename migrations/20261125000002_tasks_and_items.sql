-- Tasks with versioned rubrics, and the generated artifacts (items) to judge.

CREATE TABLE tasks (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE CHECK (name ~ '^[a-z][a-z0-9_-]{0,62}$'),
    title           TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    builtin         BOOLEAN NOT NULL DEFAULT false,
    -- the rubric version new judgments and annotations use.
    current_rubric  INTEGER NOT NULL DEFAULT 1,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    archived_at     TIMESTAMPTZ
);

-- Every change to a task's criteria, scale, schemas, routing or judge settings is a new version;
-- verdicts name the version they were made under.
CREATE TABLE rubrics (
    task_id     BIGINT NOT NULL REFERENCES tasks (id),
    version     INTEGER NOT NULL CHECK (version > 0),
    -- the full task definition (app::domain::TaskDefinition) as JSON.
    definition  JSONB NOT NULL,
    -- sha256 of the canonical definition, to tell identical versions apart cheaply.
    digest      TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    created_by  BIGINT REFERENCES users (id),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (task_id, version)
);

CREATE TABLE items (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    task_id           BIGINT NOT NULL REFERENCES tasks (id),
    external_id       TEXT NOT NULL,
    context           JSONB NOT NULL,
    output            JSONB NOT NULL,
    generator_model   TEXT,
    generator_version TEXT,
    batch             TEXT,
    -- known per-criterion labels for golden items (criterion -> label), NULL otherwise.
    golden            JSONB,
    meta              JSONB,
    -- sha256 of the canonical item content: an identical re-import is "unchanged".
    content_hash      BYTEA NOT NULL,
    state             TEXT NOT NULL DEFAULT 'queued'
        CHECK (state IN ('queued', 'judging', 'human_review', 'adjudication', 'done', 'failed')),
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (task_id, external_id)
);
-- counts per state on the home page, and state filters everywhere.
CREATE INDEX items_task_state_idx ON items (task_id, state);
CREATE INDEX items_task_batch_idx ON items (task_id, batch) WHERE batch IS NOT NULL;
CREATE INDEX items_task_generator_idx ON items (task_id, generator_version);
CREATE INDEX items_task_golden_idx ON items (task_id) WHERE golden IS NOT NULL;
