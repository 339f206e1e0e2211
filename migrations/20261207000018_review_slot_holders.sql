-- Who a review slot was handed to: an answer is accepted only from someone the queue handed the
-- slot to (it counts if they still hold it or nobody took it since; otherwise it is kept,
-- uncounted). Before this, a slot nobody held counted as anyone's, so an annotator could answer
-- arbitrary open slots by id, skipping the queue's order, its blind and golden spread and its
-- leases.
--
-- `holders` lists the earlier holders: a person is added when their hold ends without a counted
-- answer (they release or skip the slot, or their lease lapses and another claim takes it
-- over). The current holder is `user_id`. A claim of a free slot, the common case, writes
-- nothing more than before, so the row does not grow on the queue's hot path.
ALTER TABLE review_slots ADD COLUMN holders BIGINT[] NOT NULL DEFAULT '{}';

-- Slots handed out before this migration: whoever answered or skipped them.
UPDATE review_slots s
   SET holders = ARRAY(
         SELECT DISTINCT a.user_id FROM annotations a WHERE a.slot_id = s.id)
 WHERE EXISTS (SELECT 1 FROM annotations a WHERE a.slot_id = s.id);
