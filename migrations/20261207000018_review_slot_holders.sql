-- Who a review slot was handed to: an answer is accepted only from someone the queue handed the
-- slot to (it counts if they still hold it or nobody took it since; otherwise it is kept,
-- uncounted). Before this, a slot nobody held counted as anyone's, so an annotator could answer
-- arbitrary open slots by id, skipping the queue's order, its blind and golden spread and its
-- leases.
--
-- Every claim adds the claimant, once; the list only grows (a slot changes hands rarely).
ALTER TABLE review_slots ADD COLUMN holders BIGINT[] NOT NULL DEFAULT '{}';

-- Slots handed out before this migration: their holder and whoever answered or skipped them.
UPDATE review_slots s
   SET holders = ARRAY(
         SELECT a.user_id FROM annotations a WHERE a.slot_id = s.id
          UNION
         SELECT s.user_id WHERE s.user_id IS NOT NULL)
 WHERE s.user_id IS NOT NULL OR EXISTS (SELECT 1 FROM annotations a WHERE a.slot_id = s.id);
