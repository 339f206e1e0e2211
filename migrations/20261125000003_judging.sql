-- The LLM judge's configurations, its judgments, and the routing decision made on each item.

-- One judge configuration: which model with which prompt and method. A judgment is unique per
-- (item, configuration), so re-running a configuration never counts an item twice.
CREATE TABLE judge_configs (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    task_id           BIGINT NOT NULL REFERENCES tasks (id),
    model             TEXT NOT NULL,
    -- hash of the prompt template source and the rubric version.
    prompt_version    TEXT NOT NULL,
    rubric_version    INTEGER NOT NULL,
    mode              TEXT NOT NULL CHECK (mode IN ('single', 'per_criterion', 'imported')),
    confidence_method TEXT NOT NULL CHECK (confidence_method IN ('logprobs', 'self_consistency', 'imported', 'none')),
    settings          JSONB NOT NULL DEFAULT '{}'::jsonb,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (task_id, model, prompt_version, mode, confidence_method),
    FOREIGN KEY (task_id, rubric_version) REFERENCES rubrics (task_id, version)
);

CREATE TABLE judgments (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    item_id           BIGINT NOT NULL REFERENCES items (id),
    judge_config_id   BIGINT NOT NULL REFERENCES judge_configs (id),
    -- 'online' (judged by a cojudge worker) or 'imported' (judged offline and imported).
    source            TEXT NOT NULL CHECK (source IN ('online', 'imported')),
    -- criterion -> {label, confidence, rationale}; NULL when the judge failed.
    criteria          JSONB,
    qualified         BOOLEAN,
    grade             TEXT CHECK (grade IN ('S', 'A', 'B')),
    confidence        DOUBLE PRECISION CHECK (confidence BETWEEN 0 AND 1),
    error             TEXT,
    attempts          INTEGER NOT NULL DEFAULT 1,
    prompt_tokens     INTEGER,
    completion_tokens INTEGER,
    latency_ms        INTEGER,
    cost_usd          NUMERIC(14, 8),
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (item_id, judge_config_id),
    CHECK ((error IS NULL) = (criteria IS NOT NULL))
);
CREATE INDEX judgments_config_idx ON judgments (judge_config_id, created_at);

-- Why an item went to humans or was auto-accepted. Append-only per item: a re-judged item gets
-- a new decision, and the newest one is in force.
CREATE TABLE routing_decisions (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    item_id     BIGINT NOT NULL REFERENCES items (id),
    judgment_id BIGINT REFERENCES judgments (id),
    route       TEXT NOT NULL CHECK (route IN ('auto', 'human')),
    reason      TEXT NOT NULL
        CHECK (reason IN ('confident', 'low_confidence', 'audit', 'golden', 'judge_error', 'no_judge')),
    -- the threshold and audit draw in force, so the decision can be re-derived.
    threshold   DOUBLE PRECISION,
    audit_draw  DOUBLE PRECISION,
    annotations_required INTEGER NOT NULL DEFAULT 0,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX routing_decisions_item_idx ON routing_decisions (item_id, id DESC);
CREATE INDEX routing_decisions_reason_idx ON routing_decisions (reason, item_id);
