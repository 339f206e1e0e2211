-- Candidate judges tried on the reviewed items (`cojudge judge eval`).
--
-- A candidate's answers are ordinary judgments under its own configuration, with source
-- 'evaluation': they are compared with the human verdicts like any other (migration 0008), but
-- never route an item or write its verdict. One row per run says what was tried, on how many
-- items, against which configuration, and whether it was later promoted to be the task's judge.
ALTER TABLE judgments DROP CONSTRAINT judgments_source_check;
ALTER TABLE judgments ADD CONSTRAINT judgments_source_check
    CHECK (source IN ('online', 'imported', 'evaluation'));

CREATE TABLE judge_evaluations (
    id                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    task_id            BIGINT NOT NULL REFERENCES tasks (id),
    judge_config_id    BIGINT NOT NULL REFERENCES judge_configs (id),
    -- the configuration the task's judge had when the run started, to compare against.
    baseline_config_id BIGINT REFERENCES judge_configs (id),
    -- the candidate's judge settings and prompt overrides, as a task definition holds them, so
    -- promoting it can write them into the task's next rubric version.
    judge              JSONB NOT NULL,
    prompts            JSONB NOT NULL,
    rubric_version     INTEGER NOT NULL,
    items              INTEGER NOT NULL DEFAULT 0,
    errors             INTEGER NOT NULL DEFAULT 0,
    started_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at        TIMESTAMPTZ,
    promoted_at        TIMESTAMPTZ,
    promoted_by        BIGINT REFERENCES users (id)
);
CREATE INDEX judge_evaluations_task_idx ON judge_evaluations (task_id, id DESC);
