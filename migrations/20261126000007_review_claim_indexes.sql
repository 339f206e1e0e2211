-- Claims stay fast as the review queue churns.
--
-- 1. A person's held slots are looked up by (user_id, id): the lookup orders by id, and with an
--    index on user_id alone the planner preferred walking the primary key in id order once the
--    statistics saw many holders — a scan of the whole table on every claim.
-- 2. Filled and released slots leave dead entries at the front of the open-slot index, which every
--    claim walks past until vacuum removes them. The queue table is small per row and hot, so it is
--    vacuumed after a few thousand changes instead of after a fifth of the table, without cost
--    delay, and analysed as often so plans follow the queue.
DROP INDEX review_slots_holder_idx;
CREATE INDEX review_slots_holder_idx ON review_slots (user_id, id)
    WHERE annotation_id IS NULL AND user_id IS NOT NULL;

ALTER TABLE review_slots SET (
    autovacuum_vacuum_scale_factor = 0,
    autovacuum_vacuum_threshold = 5000,
    autovacuum_vacuum_insert_scale_factor = 0,
    autovacuum_vacuum_insert_threshold = 20000,
    autovacuum_analyze_scale_factor = 0,
    autovacuum_analyze_threshold = 20000,
    autovacuum_vacuum_cost_delay = 0
);

-- 3. Blind (golden and audit) items are spread through the review order instead of all coming
--    first: an audit item's draw is below the audit rate (e.g. < 0.05), so ordering by the draw
--    itself put every audit item ahead of every judged one. The fractional part of a large
--    multiple of the draw is uniform on [0, 1) and still reproducible, so blind items interleave
--    with the judged items, which stay ordered by confidence (lowest first).
CREATE OR REPLACE FUNCTION review_priority(reason TEXT, audit_draw DOUBLE PRECISION, confidence DOUBLE PRECISION)
RETURNS DOUBLE PRECISION LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN reason IN ('golden', 'audit')
                THEN coalesce(audit_draw * 1000003 - floor(audit_draw * 1000003), 0)
                ELSE coalesce(confidence, 0) END
$$;
