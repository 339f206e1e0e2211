-- The agreement counters learn the sampling design (shared/MEASUREMENT.md), so the judge's
-- figures can be estimated over the whole stream it works on, not only over the items people saw:
--
-- * `stratum`: how a reviewed item reached people — `census` (every item routed
--   `low_confidence`, `judge_error` or `no_judge` is reviewed), `audit` (a uniform random sample of
--   the confident items), `golden` (chosen by the team: known labels, not a sample of the
--   stream), or `other` (reviewed without being sampled by routing, e.g. no routing decision).
-- * `stream_weight`: 1/π, the item's design weight in stream-wide (Hájek) estimates, from the
--   routing decision's inclusion probability (migration 0022); 0 outside the stream (golden and
--   other items), which stream estimates leave out.
--
-- Both join the keys of agreement_cells and calibration_cells. `unbiased` stays: audit or golden.

CREATE FUNCTION agreement_stratum(golden BOOLEAN, reason TEXT) RETURNS TEXT
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN golden OR reason = 'golden' THEN 'golden'
                WHEN reason = 'audit' THEN 'audit'
                WHEN reason IN ('low_confidence', 'judge_error', 'no_judge') THEN 'census'
                ELSE 'other' END
$$;

CREATE FUNCTION agreement_stream_weight(stratum TEXT, inclusion_probability DOUBLE PRECISION)
RETURNS DOUBLE PRECISION LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN stratum IN ('census', 'audit') AND inclusion_probability > 0
                THEN 1 / inclusion_probability ELSE 0 END
$$;

ALTER TABLE agreement_pairs
    ADD COLUMN stratum TEXT NOT NULL DEFAULT 'other'
        CHECK (stratum IN ('census', 'audit', 'golden', 'other')),
    ADD COLUMN stream_weight DOUBLE PRECISION NOT NULL DEFAULT 0 CHECK (stream_weight >= 0);

-- Pairs written before: their item's latest routing decision, as agreement_refresh reads it.
-- (An UPDATE fires no counting trigger; the cells are rebuilt below.)
UPDATE agreement_pairs p
   SET stratum = s.stratum, stream_weight = agreement_stream_weight(s.stratum, s.inclusion_probability)
  FROM (SELECT i.id, agreement_stratum(i.golden IS NOT NULL, d.reason) AS stratum, d.inclusion_probability
          FROM items i
          LEFT JOIN LATERAL (SELECT r.reason, r.inclusion_probability FROM routing_decisions r
                              WHERE r.item_id = i.id ORDER BY r.id DESC LIMIT 1) d ON true
         WHERE i.id IN (SELECT item_id FROM agreement_pairs)) s
 WHERE s.id = p.item_id;

CREATE OR REPLACE FUNCTION agreement_refresh(item_ids BIGINT[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM agreement_pairs WHERE item_id = ANY (item_ids)) THEN
        DELETE FROM agreement_pairs WHERE item_id = ANY (item_ids);
    END IF;
    INSERT INTO agreement_pairs (item_id, judgment_id, task_id, judge_config_id, generator_version,
                                 week, unbiased, confidence, judge_qualified, human_qualified, labels,
                                 stratum, stream_weight)
    SELECT v.item_id, j.id, i.task_id, j.judge_config_id, coalesce(i.generator_version, ''),
           date_trunc('week', v.created_at AT TIME ZONE 'UTC')::date,
           i.golden IS NOT NULL OR coalesce(d.reason IN ('audit', 'golden'), false),
           j.confidence, j.qualified, v.qualified,
           (SELECT coalesce(jsonb_object_agg(h.key, jsonb_build_array(h.value #>> '{}',
                                                                      j.criteria -> h.key ->> 'label')),
                            '{}'::jsonb)
            FROM jsonb_each(v.criteria) h
            WHERE j.criteria -> h.key ->> 'label' IS NOT NULL),
           s.stratum, agreement_stream_weight(s.stratum, d.inclusion_probability)
    FROM verdicts v
    JOIN items i ON i.id = v.item_id
    JOIN judgments j ON j.item_id = v.item_id AND j.criteria IS NOT NULL AND j.qualified IS NOT NULL
    LEFT JOIN LATERAL (SELECT r.reason, r.inclusion_probability FROM routing_decisions r
                       WHERE r.item_id = v.item_id ORDER BY r.id DESC LIMIT 1) d ON true
    CROSS JOIN LATERAL (SELECT agreement_stratum(i.golden IS NOT NULL, d.reason) AS stratum) s
    WHERE v.item_id = ANY (item_ids) AND v.provenance IN ('human', 'adjudicated')
    ORDER BY v.item_id, j.id;
END
$$;

-- The cells, keyed by stratum and weight too, rebuilt from the pairs.
TRUNCATE agreement_cells, calibration_cells;
ALTER TABLE agreement_cells
    ADD COLUMN stratum TEXT NOT NULL,
    ADD COLUMN stream_weight DOUBLE PRECISION NOT NULL,
    DROP CONSTRAINT agreement_cells_pkey,
    ADD PRIMARY KEY (task_id, judge_config_id, unbiased, criterion, generator_version, week,
                     human_label, judge_label, stratum, stream_weight);
ALTER TABLE calibration_cells
    ADD COLUMN stratum TEXT NOT NULL,
    ADD COLUMN stream_weight DOUBLE PRECISION NOT NULL,
    DROP CONSTRAINT calibration_cells_pkey,
    ADD PRIMARY KEY (task_id, judge_config_id, unbiased, bucket, stratum, stream_weight);

CREATE OR REPLACE FUNCTION agreement_cells_add(changed agreement_pairs[], sign BIGINT) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO agreement_cells AS c (task_id, judge_config_id, generator_version, week, unbiased,
                                      criterion, human_label, judge_label, stratum, stream_weight, pairs)
    SELECT p.task_id, p.judge_config_id, p.generator_version, p.week, p.unbiased,
           l.criterion, l.human_label, l.judge_label, p.stratum, p.stream_weight, sign * count(*)
    FROM unnest(changed) p
    CROSS JOIN LATERAL (
        SELECT e.key AS criterion, e.value ->> 0 AS human_label, e.value ->> 1 AS judge_label
        FROM jsonb_each(p.labels) e
        UNION ALL
        SELECT '', CASE WHEN p.human_qualified THEN 'pass' ELSE 'fail' END,
                   CASE WHEN p.judge_qualified THEN 'pass' ELSE 'fail' END) l
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
    ORDER BY 1, 2, 5, 6, 3, 4, 7, 8, 9, 10
    ON CONFLICT (task_id, judge_config_id, unbiased, criterion, generator_version, week,
                 human_label, judge_label, stratum, stream_weight)
    DO UPDATE SET pairs = c.pairs + excluded.pairs;

    INSERT INTO calibration_cells AS c (task_id, judge_config_id, unbiased, bucket, stratum,
                                        stream_weight, pairs, agreed)
    SELECT p.task_id, p.judge_config_id, p.unbiased,
           coalesce(floor(p.confidence * 100 + 1e-9)::smallint, -1::smallint), p.stratum,
           p.stream_weight, sign * count(*),
           sign * count(*) FILTER (WHERE p.judge_qualified = p.human_qualified)
    FROM unnest(changed) p
    GROUP BY 1, 2, 3, 4, 5, 6
    ORDER BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (task_id, judge_config_id, unbiased, bucket, stratum, stream_weight)
    DO UPDATE SET pairs = c.pairs + excluded.pairs, agreed = c.agreed + excluded.agreed;
END
$$;

-- Counted in batches of items, so a large table is never one array in memory.
DO $$
DECLARE
    low BIGINT := 0;
    high BIGINT;
    top BIGINT := (SELECT coalesce(max(item_id), 0) FROM agreement_pairs);
BEGIN
    WHILE low < top LOOP
        high := low + 20000;
        PERFORM agreement_cells_add(
            array(SELECT ROW(p.*)::agreement_pairs FROM agreement_pairs p
                   WHERE p.item_id > low AND p.item_id <= high), 1);
        low := high;
    END LOOP;
END
$$;
