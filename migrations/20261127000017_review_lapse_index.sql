-- The lapse index no longer serves a person's own held slots by mistake.
--
-- A claim first looks for a slot the person already holds (`user_id = me`, served by the holder
-- index) and then for a lapsed lease (`lease_expires_at < now()`, served by this index). Both
-- indexes had the same predicate, so the holder lookup could use this one too, and a plan made
-- while the statistics saw no held slots at all (a freshly imported queue, until autoanalyze)
-- did: every claim walked every held slot of the task, thousands with many people at work. Now
-- this index requires a lease, which the lapse lookup's `lease_expires_at < now()` implies and
-- the holder lookup (which names no lease) does not. The rows are the same: a slot has a lease
-- exactly when it has a holder (the table's check).
DROP INDEX review_slots_lapse_idx;
CREATE INDEX review_slots_lapse_idx ON review_slots (task_id, purpose, lease_expires_at)
    WHERE annotation_id IS NULL AND lease_expires_at IS NOT NULL;
