-- How far the judge agrees with humans, kept up to date as verdicts and judgments are written,
-- so the metrics page reads a few hundred counters instead of every verdict.
--
-- agreement_pairs: one row per (item, judgment) where the item has a final human verdict
-- (`human` or `adjudicated`) and the judgment has an answer: the judge's and the humans' labels
-- side by side, with what the statistics are broken down by. Triggers on verdicts and judgments
-- rebuild an item's pairs whenever either changes.
--
-- agreement_cells and calibration_cells: counts over agreement_pairs, kept by statement-level
-- triggers on it. Cells are upserted in key order, so concurrent writers lock them in the same
-- order and cannot deadlock on them within a statement.

CREATE TABLE agreement_pairs (
    item_id           BIGINT NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    judgment_id       BIGINT NOT NULL REFERENCES judgments (id) ON DELETE CASCADE,
    task_id           BIGINT NOT NULL REFERENCES tasks (id),
    judge_config_id   BIGINT NOT NULL REFERENCES judge_configs (id),
    -- '' when the item names no generator version.
    generator_version TEXT NOT NULL,
    -- Monday of the week the human verdict was first written.
    week              DATE NOT NULL,
    -- an audit or golden item: sent to humans whatever the judge's confidence, so an unbiased
    -- sample of the judge's work.
    unbiased          BOOLEAN NOT NULL,
    confidence        DOUBLE PRECISION,
    judge_qualified   BOOLEAN NOT NULL,
    human_qualified   BOOLEAN NOT NULL,
    -- criterion -> [human label, judge label]
    labels            JSONB NOT NULL,
    PRIMARY KEY (item_id, judgment_id)
);
CREATE INDEX agreement_pairs_judgment_idx ON agreement_pairs (judgment_id);

CREATE TABLE agreement_cells (
    task_id           BIGINT NOT NULL,
    judge_config_id   BIGINT NOT NULL,
    generator_version TEXT NOT NULL,
    week              DATE NOT NULL,
    unbiased          BOOLEAN NOT NULL,
    -- '' for the overall verdict, whose labels are 'pass' (qualified) and 'fail'.
    criterion         TEXT NOT NULL,
    human_label       TEXT NOT NULL,
    judge_label       TEXT NOT NULL,
    pairs             BIGINT NOT NULL,
    PRIMARY KEY (task_id, judge_config_id, unbiased, criterion, generator_version, week,
                 human_label, judge_label)
);

CREATE TABLE calibration_cells (
    task_id         BIGINT NOT NULL,
    judge_config_id BIGINT NOT NULL,
    unbiased        BOOLEAN NOT NULL,
    -- the judge's overall confidence in hundredths (0..100, rounded down, with a hair of slack
    -- so 0.57 is bucket 57 despite floating point); -1 when it gave none.
    bucket          SMALLINT NOT NULL,
    pairs           BIGINT NOT NULL,
    -- pairs where the judge's overall verdict (qualified or not) matched the humans'.
    agreed          BIGINT NOT NULL,
    PRIMARY KEY (task_id, judge_config_id, unbiased, bucket)
);

-- Rebuilds the pairs of `item_ids` from their verdicts and judgments. (PL/pgSQL rather than
-- SQL functions throughout: their statements' plans are cached per connection, which matters on
-- the review hot path, where every answer and verdict runs these triggers.)
CREATE FUNCTION agreement_refresh(item_ids BIGINT[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM agreement_pairs WHERE item_id = ANY (item_ids)) THEN
        DELETE FROM agreement_pairs WHERE item_id = ANY (item_ids);
    END IF;
    INSERT INTO agreement_pairs (item_id, judgment_id, task_id, judge_config_id, generator_version,
                                 week, unbiased, confidence, judge_qualified, human_qualified, labels)
    SELECT v.item_id, j.id, i.task_id, j.judge_config_id, coalesce(i.generator_version, ''),
           date_trunc('week', v.created_at AT TIME ZONE 'UTC')::date,
           i.golden IS NOT NULL OR coalesce(d.reason IN ('audit', 'golden'), false),
           j.confidence, j.qualified, v.qualified,
           (SELECT coalesce(jsonb_object_agg(h.key, jsonb_build_array(h.value #>> '{}',
                                                                      j.criteria -> h.key ->> 'label')),
                            '{}'::jsonb)
            FROM jsonb_each(v.criteria) h
            WHERE j.criteria -> h.key ->> 'label' IS NOT NULL)
    FROM verdicts v
    JOIN items i ON i.id = v.item_id
    JOIN judgments j ON j.item_id = v.item_id AND j.criteria IS NOT NULL AND j.qualified IS NOT NULL
    LEFT JOIN LATERAL (SELECT r.reason FROM routing_decisions r
                       WHERE r.item_id = v.item_id ORDER BY r.id DESC LIMIT 1) d ON true
    WHERE v.item_id = ANY (item_ids) AND v.provenance IN ('human', 'adjudicated')
    ORDER BY v.item_id, j.id;
END
$$;

CREATE FUNCTION verdicts_refresh_agreement() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    ids BIGINT[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(item_id) INTO ids FROM new_rows
        WHERE provenance IN ('human', 'adjudicated');
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(item_id) INTO ids FROM old_rows
        WHERE provenance IN ('human', 'adjudicated');
    ELSE
        SELECT array_agg(DISTINCT item_id) INTO ids FROM (
            SELECT item_id FROM new_rows WHERE provenance IN ('human', 'adjudicated')
            UNION ALL
            SELECT item_id FROM old_rows WHERE provenance IN ('human', 'adjudicated')) changed;
    END IF;
    IF ids IS NOT NULL THEN
        PERFORM agreement_refresh(ids);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER verdicts_agreement_insert AFTER INSERT ON verdicts
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION verdicts_refresh_agreement();
CREATE TRIGGER verdicts_agreement_update AFTER UPDATE ON verdicts
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION verdicts_refresh_agreement();
CREATE TRIGGER verdicts_agreement_delete AFTER DELETE ON verdicts
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION verdicts_refresh_agreement();

-- A judgment written for an item that already has a human verdict (a candidate judge run over
-- reviewed items, or a re-judged one).
CREATE FUNCTION judgments_refresh_agreement() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    ids BIGINT[];
BEGIN
    SELECT array_agg(DISTINCT n.item_id) INTO ids
    FROM new_rows n JOIN verdicts v ON v.item_id = n.item_id
    WHERE v.provenance IN ('human', 'adjudicated');
    IF ids IS NOT NULL THEN
        PERFORM agreement_refresh(ids);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER judgments_agreement_insert AFTER INSERT ON judgments
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION judgments_refresh_agreement();
CREATE TRIGGER judgments_agreement_update AFTER UPDATE ON judgments
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION judgments_refresh_agreement();

-- Adds the contributions of `changed` pairs to the cells, times `sign` (1 when they were
-- written, -1 when removed).
CREATE FUNCTION agreement_cells_add(changed agreement_pairs[], sign BIGINT) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO agreement_cells AS c (task_id, judge_config_id, generator_version, week, unbiased,
                                      criterion, human_label, judge_label, pairs)
    SELECT p.task_id, p.judge_config_id, p.generator_version, p.week, p.unbiased,
           l.criterion, l.human_label, l.judge_label, sign * count(*)
    FROM unnest(changed) p
    CROSS JOIN LATERAL (
        SELECT e.key AS criterion, e.value ->> 0 AS human_label, e.value ->> 1 AS judge_label
        FROM jsonb_each(p.labels) e
        UNION ALL
        SELECT '', CASE WHEN p.human_qualified THEN 'pass' ELSE 'fail' END,
                   CASE WHEN p.judge_qualified THEN 'pass' ELSE 'fail' END) l
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
    ORDER BY 1, 2, 5, 6, 3, 4, 7, 8
    ON CONFLICT (task_id, judge_config_id, unbiased, criterion, generator_version, week,
                 human_label, judge_label)
    DO UPDATE SET pairs = c.pairs + excluded.pairs;

    INSERT INTO calibration_cells AS c (task_id, judge_config_id, unbiased, bucket, pairs, agreed)
    SELECT p.task_id, p.judge_config_id, p.unbiased,
           coalesce(floor(p.confidence * 100 + 1e-9)::smallint, -1::smallint), sign * count(*),
           sign * count(*) FILTER (WHERE p.judge_qualified = p.human_qualified)
    FROM unnest(changed) p
    GROUP BY 1, 2, 3, 4
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (task_id, judge_config_id, unbiased, bucket)
    DO UPDATE SET pairs = c.pairs + excluded.pairs, agreed = c.agreed + excluded.agreed;
END
$$;

CREATE FUNCTION agreement_pairs_counted() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    changed agreement_pairs[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        changed := array(SELECT ROW(p.*)::agreement_pairs FROM changed_new p);
    ELSE
        changed := array(SELECT ROW(p.*)::agreement_pairs FROM changed_old p);
    END IF;
    IF cardinality(changed) > 0 THEN
        PERFORM agreement_cells_add(changed, CASE TG_OP WHEN 'INSERT' THEN 1 ELSE -1 END);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER agreement_pairs_count_insert AFTER INSERT ON agreement_pairs
    REFERENCING NEW TABLE AS changed_new
    FOR EACH STATEMENT EXECUTE FUNCTION agreement_pairs_counted();
CREATE TRIGGER agreement_pairs_count_delete AFTER DELETE ON agreement_pairs
    REFERENCING OLD TABLE AS changed_old
    FOR EACH STATEMENT EXECUTE FUNCTION agreement_pairs_counted();

-- Verdicts written before this migration.
SELECT agreement_refresh(array_agg(item_id)) FROM verdicts WHERE provenance IN ('human', 'adjudicated');
