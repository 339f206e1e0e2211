-- Dataset exports (issue 7): one row per export, whether run by the CLI or as a job for the REST
-- API and the web page. The spec (shape, format, filters, split, rebalancing) and `as_of` (the
-- verdict time up to which rows are read) are all an export depends on besides the database
-- state, so `cojudge export --snapshot ID` re-runs one and checks its files against the manifest.
--
-- Jobs are claimed like judge work: a lease with `FOR UPDATE SKIP LOCKED`, renewed while the
-- job runs; a job whose runner died is taken over when its lease lapses.
CREATE TABLE exports (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    task_id          BIGINT NOT NULL REFERENCES tasks (id),
    spec             JSONB NOT NULL,
    origin           TEXT NOT NULL CHECK (origin IN ('cli', 'api', 'web')),
    requested_by     BIGINT REFERENCES users (id),
    token_id         BIGINT REFERENCES api_tokens (id),
    state            TEXT NOT NULL DEFAULT 'queued'
        CHECK (state IN ('queued', 'running', 'done', 'failed')),
    as_of            TIMESTAMPTZ NOT NULL DEFAULT now(),
    rows_expected    BIGINT,
    rows_written     BIGINT NOT NULL DEFAULT 0,
    -- the manifest written beside the files (row counts, label distribution, sha256 per file).
    manifest         JSONB,
    error            TEXT,
    attempts         INTEGER NOT NULL DEFAULT 0,
    lease_owner      UUID,
    lease_expires_at TIMESTAMPTZ,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    started_at       TIMESTAMPTZ,
    finished_at      TIMESTAMPTZ,
    CHECK ((state = 'done') = (manifest IS NOT NULL))
);
CREATE INDEX exports_pending_idx ON exports (id) WHERE state IN ('queued', 'running');
CREATE INDEX exports_task_idx ON exports (task_id, id DESC);
