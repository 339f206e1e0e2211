-- Who held a review slot before: an answer is accepted only from the person who holds the slot,
-- or from the one whose hold ended (released, skipped, or lapsed and taken over by someone
-- else). Before this, a slot nobody held counted as anyone's, so an annotator could answer
-- arbitrary open slots by id, skipping the queue's order, its blind and golden spread and its
-- leases.
--
-- Set when a hold ends without an answer: on release and skip (the holder), and when a claim
-- takes over a lapsed lease (the previous holder). A claim of a free slot keeps it.
ALTER TABLE review_slots ADD COLUMN last_holder BIGINT REFERENCES users (id);

-- Slots skipped before this migration: their skipper is their last holder.
UPDATE review_slots s SET last_holder = a.user_id
  FROM annotations a
 WHERE a.slot_id = s.id AND a.skipped AND a.retracted_at IS NULL
   AND s.user_id IS NULL AND s.annotation_id IS NULL;
