-- How far annotators agree with each other (Krippendorff's alpha), kept up to date as answers
-- are given, undone or overruled.
--
-- iaa_units: one row per (item, criterion) with two or more standing answers (counted, not
-- skipped, not undone, annotation queue): how many annotators gave each label. Triggers on
-- annotations rebuild an item's units whenever its answers change.
--
-- iaa_cells: for every unit, each ordered pair of answers from different annotators counts one
-- pair of labels; the counts are kept per number of answers in the unit (`answers`), so the
-- coincidence matrix, o(c, k) = Σ pairs / (answers - 1), is computed exactly from integers.

CREATE TABLE iaa_units (
    item_id   BIGINT NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    criterion TEXT NOT NULL,
    task_id   BIGINT NOT NULL REFERENCES tasks (id),
    -- label -> number of annotators who gave it
    counts    JSONB NOT NULL,
    answers   INTEGER NOT NULL CHECK (answers >= 2),
    PRIMARY KEY (item_id, criterion)
);

CREATE TABLE iaa_cells (
    task_id   BIGINT NOT NULL,
    criterion TEXT NOT NULL,
    answers   INTEGER NOT NULL,
    label_a   TEXT NOT NULL,
    label_b   TEXT NOT NULL,
    pairs     BIGINT NOT NULL,
    PRIMARY KEY (task_id, criterion, answers, label_a, label_b)
);

-- Rebuilds the units of `item_ids` from their standing answers.
CREATE FUNCTION iaa_refresh(item_ids BIGINT[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM iaa_units WHERE item_id = ANY (item_ids)) THEN
        DELETE FROM iaa_units WHERE item_id = ANY (item_ids);
    END IF;
    -- Most items get one answer: nothing to pair, nothing to write.
    IF NOT EXISTS (SELECT 1 FROM annotations a
                   WHERE a.item_id = ANY (item_ids) AND a.purpose = 'annotate' AND a.counted
                     AND NOT a.skipped AND a.retracted_at IS NULL AND a.criteria IS NOT NULL
                   GROUP BY a.item_id HAVING count(*) >= 2) THEN
        RETURN;
    END IF;
    INSERT INTO iaa_units (item_id, criterion, task_id, counts, answers)
    SELECT per_label.item_id, per_label.criterion, i.task_id,
           jsonb_object_agg(per_label.label, per_label.n), sum(per_label.n)
    FROM (SELECT a.item_id, c.key AS criterion, c.value #>> '{}' AS label, count(*) AS n
          FROM annotations a CROSS JOIN LATERAL jsonb_each(a.criteria) c
          WHERE a.item_id = ANY (item_ids) AND a.purpose = 'annotate' AND a.counted
            AND NOT a.skipped AND a.retracted_at IS NULL AND a.criteria IS NOT NULL
          GROUP BY 1, 2, 3) per_label
    JOIN items i ON i.id = per_label.item_id
    GROUP BY per_label.item_id, per_label.criterion, i.task_id
    HAVING sum(per_label.n) >= 2
    ORDER BY 1, 2;
END
$$;

CREATE FUNCTION annotations_refresh_iaa() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    ids BIGINT[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT item_id) INTO ids FROM new_rows WHERE purpose = 'annotate';
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT item_id) INTO ids FROM old_rows WHERE purpose = 'annotate';
    ELSE
        SELECT array_agg(DISTINCT item_id) INTO ids FROM new_rows WHERE purpose = 'annotate';
    END IF;
    IF ids IS NOT NULL THEN
        PERFORM iaa_refresh(ids);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER annotations_iaa_insert AFTER INSERT ON annotations
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION annotations_refresh_iaa();
CREATE TRIGGER annotations_iaa_update AFTER UPDATE ON annotations
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION annotations_refresh_iaa();
CREATE TRIGGER annotations_iaa_delete AFTER DELETE ON annotations
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION annotations_refresh_iaa();

-- Adds the label pairs of `changed` units to the cells, times `sign`.
CREATE FUNCTION iaa_cells_add(changed iaa_units[], sign BIGINT) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO iaa_cells AS c (task_id, criterion, answers, label_a, label_b, pairs)
    SELECT u.task_id, u.criterion, u.answers, a.key, b.key,
           sign * sum((a.value #>> '{}')::bigint
                      * ((b.value #>> '{}')::bigint - CASE WHEN a.key = b.key THEN 1 ELSE 0 END))
    FROM unnest(changed) u
    CROSS JOIN LATERAL jsonb_each(u.counts) a
    CROSS JOIN LATERAL jsonb_each(u.counts) b
    GROUP BY 1, 2, 3, 4, 5
    ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (task_id, criterion, answers, label_a, label_b)
    DO UPDATE SET pairs = c.pairs + excluded.pairs;
END
$$;

CREATE FUNCTION iaa_units_counted() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    changed iaa_units[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        changed := array(SELECT ROW(u.*)::iaa_units FROM changed_new u);
    ELSE
        changed := array(SELECT ROW(u.*)::iaa_units FROM changed_old u);
    END IF;
    IF cardinality(changed) > 0 THEN
        PERFORM iaa_cells_add(changed, CASE TG_OP WHEN 'INSERT' THEN 1 ELSE -1 END);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER iaa_units_count_insert AFTER INSERT ON iaa_units
    REFERENCING NEW TABLE AS changed_new
    FOR EACH STATEMENT EXECUTE FUNCTION iaa_units_counted();
CREATE TRIGGER iaa_units_count_delete AFTER DELETE ON iaa_units
    REFERENCING OLD TABLE AS changed_old
    FOR EACH STATEMENT EXECUTE FUNCTION iaa_units_counted();

-- Answers given before this migration.
SELECT iaa_refresh(array_agg(DISTINCT item_id)) FROM annotations WHERE purpose = 'annotate';
