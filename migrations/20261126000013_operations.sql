-- What the operations dashboards draw: queue depth per state over time, and work done per hour
-- (judged, reviewed, decided, tokens and cost; each annotator's answers).
--
-- Both are kept by a sampler that every `serve` and `worker` process runs (server/src/operations):
-- `queue_sample` counts the waiting items of each task once per sampling interval, and
-- `activity_roll_up` recomputes the hours since a given time from judgments, annotations and
-- verdicts. Neither touches the hot paths (claiming, submitting, recording a judgment): the
-- figures lag by at most one sampling interval, and any number of processes may run the sampler
-- (the first one to take a sample wins; roll-ups queue behind an advisory lock).

-- The number of items of a task in each waiting state, at the start of a sampling interval.
-- `done` is not sampled: it only grows, and the counts on the task cards show it.
CREATE TABLE queue_samples (
    task_id    BIGINT NOT NULL REFERENCES tasks (id),
    sampled_at TIMESTAMPTZ NOT NULL,
    state      TEXT NOT NULL
        CHECK (state IN ('queued', 'judging', 'human_review', 'adjudication', 'failed')),
    items      BIGINT NOT NULL,
    PRIMARY KEY (task_id, sampled_at, state)
);
-- "was this interval sampled already?" and the retention clean-up.
CREATE INDEX queue_samples_time_idx ON queue_samples (sampled_at);

-- Work done on a task in one hour (UTC).
CREATE TABLE activity_hours (
    task_id              BIGINT NOT NULL REFERENCES tasks (id),
    hour                 TIMESTAMPTZ NOT NULL,
    -- judgments with an answer, by cojudge's workers or imported; and those that failed.
    judged               BIGINT NOT NULL,
    judge_errors         BIGINT NOT NULL,
    -- judgments of candidate judges (`cojudge judge eval`).
    evaluated            BIGINT NOT NULL,
    -- tokens and cost of every judgment above.
    prompt_tokens        BIGINT NOT NULL,
    completion_tokens    BIGINT NOT NULL,
    cost_usd             NUMERIC(20, 8) NOT NULL,
    -- standing (not undone) human answers, skips and adjudications.
    answers              BIGINT NOT NULL,
    skips                BIGINT NOT NULL,
    adjudications        BIGINT NOT NULL,
    -- final verdicts written, by who decided them.
    verdicts_judge       BIGINT NOT NULL,
    verdicts_human       BIGINT NOT NULL,
    verdicts_adjudicated BIGINT NOT NULL,
    PRIMARY KEY (task_id, hour)
);

-- One annotator's standing answers on a task in one hour (UTC).
CREATE TABLE annotator_hours (
    task_id       BIGINT NOT NULL REFERENCES tasks (id),
    hour          TIMESTAMPTZ NOT NULL,
    user_id       BIGINT NOT NULL REFERENCES users (id),
    answers       BIGINT NOT NULL,
    skips         BIGINT NOT NULL,
    adjudications BIGINT NOT NULL,
    PRIMARY KEY (task_id, hour, user_id)
);

-- The roll-up reads the latest hours of each table. These tables are appended to in time order,
-- so a BRIN index finds the recent rows at almost no cost to writers.
CREATE INDEX judgments_created_brin ON judgments USING brin (created_at);
CREATE INDEX annotations_created_brin ON annotations USING brin (created_at);
CREATE INDEX verdicts_created_brin ON verdicts USING brin (created_at);

-- Takes the sample of the interval starting `at`, unless a process already did. Returns the
-- number of rows written (0 when the interval was sampled already).
CREATE FUNCTION queue_sample(at TIMESTAMPTZ) RETURNS INTEGER
LANGUAGE plpgsql AS $$
DECLARE
    written INTEGER;
BEGIN
    IF EXISTS (SELECT 1 FROM queue_samples WHERE sampled_at = at) THEN
        RETURN 0;
    END IF;
    -- One index range count per (task, state): the done items, most of the table, are never read.
    INSERT INTO queue_samples (task_id, sampled_at, state, items)
    SELECT t.id, at, s.state,
           (SELECT count(*) FROM items i WHERE i.task_id = t.id AND i.state = s.state)
    FROM tasks t
    CROSS JOIN (VALUES ('queued'), ('judging'), ('human_review'), ('adjudication'), ('failed')) s (state)
    ON CONFLICT DO NOTHING;
    GET DIAGNOSTICS written = ROW_COUNT;
    RETURN written;
END
$$;

-- Recomputes every hour from the one containing `since` onwards. Concurrent roll-ups take turns.
CREATE FUNCTION activity_roll_up(since TIMESTAMPTZ) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    start TIMESTAMPTZ := date_trunc('hour', since, 'UTC');
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('cojudge.activity_roll_up'));
    DELETE FROM activity_hours WHERE hour >= start;
    DELETE FROM annotator_hours WHERE hour >= start;

    INSERT INTO activity_hours (task_id, hour, judged, judge_errors, evaluated, prompt_tokens,
                                completion_tokens, cost_usd, answers, skips, adjudications,
                                verdicts_judge, verdicts_human, verdicts_adjudicated)
    SELECT task_id, hour, sum(judged), sum(judge_errors), sum(evaluated), sum(prompt_tokens),
           sum(completion_tokens), sum(cost_usd), sum(answers), sum(skips), sum(adjudications),
           sum(verdicts_judge), sum(verdicts_human), sum(verdicts_adjudicated)
    FROM (
        SELECT c.task_id, date_trunc('hour', j.created_at, 'UTC') AS hour,
               count(*) FILTER (WHERE j.source <> 'evaluation' AND j.error IS NULL) AS judged,
               count(*) FILTER (WHERE j.source <> 'evaluation' AND j.error IS NOT NULL) AS judge_errors,
               count(*) FILTER (WHERE j.source = 'evaluation') AS evaluated,
               coalesce(sum(j.prompt_tokens), 0) AS prompt_tokens,
               coalesce(sum(j.completion_tokens), 0) AS completion_tokens,
               coalesce(sum(j.cost_usd), 0) AS cost_usd,
               0 AS answers, 0 AS skips, 0 AS adjudications,
               0 AS verdicts_judge, 0 AS verdicts_human, 0 AS verdicts_adjudicated
        FROM judgments j JOIN judge_configs c ON c.id = j.judge_config_id
        WHERE j.created_at >= start
        GROUP BY 1, 2
        UNION ALL
        SELECT i.task_id, date_trunc('hour', a.created_at, 'UTC'), 0, 0, 0, 0, 0, 0,
               count(*) FILTER (WHERE a.purpose = 'annotate' AND NOT a.skipped),
               count(*) FILTER (WHERE a.skipped),
               count(*) FILTER (WHERE a.purpose = 'adjudicate' AND NOT a.skipped),
               0, 0, 0
        FROM annotations a JOIN items i ON i.id = a.item_id
        WHERE a.created_at >= start AND a.retracted_at IS NULL
        GROUP BY 1, 2
        UNION ALL
        SELECT i.task_id, date_trunc('hour', v.created_at, 'UTC'), 0, 0, 0, 0, 0, 0, 0, 0, 0,
               count(*) FILTER (WHERE v.provenance = 'judge'),
               count(*) FILTER (WHERE v.provenance = 'human'),
               count(*) FILTER (WHERE v.provenance = 'adjudicated')
        FROM verdicts v JOIN items i ON i.id = v.item_id
        WHERE v.created_at >= start
        GROUP BY 1, 2
    ) parts
    GROUP BY task_id, hour;

    INSERT INTO annotator_hours (task_id, hour, user_id, answers, skips, adjudications)
    SELECT i.task_id, date_trunc('hour', a.created_at, 'UTC'), a.user_id,
           count(*) FILTER (WHERE a.purpose = 'annotate' AND NOT a.skipped),
           count(*) FILTER (WHERE a.skipped),
           count(*) FILTER (WHERE a.purpose = 'adjudicate' AND NOT a.skipped)
    FROM annotations a JOIN items i ON i.id = a.item_id
    WHERE a.created_at >= start AND a.retracted_at IS NULL
    GROUP BY 1, 2, 3;
END
$$;

-- The history written before this migration.
SELECT activity_roll_up('-infinity');
