-- Every routing decision records the item's inclusion probability: the probability with which
-- routing sends such an item to people, the design weight (1/π) of the judge's stream-wide
-- estimates (shared/MEASUREMENT.md). 1 for the census below the threshold (`low_confidence`),
-- `judge_error` and `no_judge`; the audit rate in force for confident items (`audit`, and
-- `confident` ones that were not drawn); NULL for `golden` items, a stratum of their own.
-- A rubric change later does not change it: it is the rate in force when the item was routed.

ALTER TABLE routing_decisions ADD COLUMN inclusion_probability DOUBLE PRECISION;

-- The rule, for SQL that writes decisions by hand (the back-fill below, test and benchmark
-- set-ups); cojudge itself routes with `app::domain::routing::inclusion_probability`, the same rule.
CREATE FUNCTION inclusion_probability(reason TEXT, audit_rate DOUBLE PRECISION)
RETURNS DOUBLE PRECISION LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN reason IN ('low_confidence', 'judge_error', 'no_judge') THEN 1
                WHEN reason = 'golden' THEN NULL
                ELSE audit_rate END
$$;

-- Back-fill from the stored decisions: the audit rate of the rubric version that was current
-- when each decision was made, i.e. the newest version created before it. A decision must agree
-- with its rate (an audit draw below it, a confident item's draw at or above it), so a version
-- that contradicts the decision is passed over: a rubric saved between an item's claim and its
-- judgment's recording is not the one it was routed under. 0.05 is the built-in default a rubric
-- without `routing.audit_rate` runs with.
UPDATE routing_decisions d
   SET inclusion_probability = inclusion_probability(d.reason, (
       SELECT v.rate
         FROM items i
         JOIN rubrics r ON r.task_id = i.task_id
        CROSS JOIN LATERAL (
              SELECT coalesce((r.definition #>> '{routing,audit_rate}')::float8, 0.05) AS rate) v
        WHERE i.id = d.item_id
        ORDER BY CASE WHEN d.audit_draw IS NULL THEN true
                      WHEN d.reason = 'audit' THEN d.audit_draw < v.rate
                      ELSE d.audit_draw >= v.rate END DESC,
                 r.created_at <= d.created_at DESC,
                 CASE WHEN r.created_at <= d.created_at THEN r.version END DESC NULLS LAST,
                 r.version
        LIMIT 1));

ALTER TABLE routing_decisions
    ADD CONSTRAINT routing_decisions_inclusion_probability_range
        CHECK (inclusion_probability BETWEEN 0 AND 1),
    ADD CONSTRAINT routing_decisions_inclusion_probability_golden_only_unset
        CHECK ((inclusion_probability IS NULL) = (reason = 'golden')),
    ADD CONSTRAINT routing_decisions_inclusion_probability_audit_positive
        CHECK (reason <> 'audit' OR inclusion_probability > 0);
