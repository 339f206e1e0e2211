-- Held slots leave the claim order.
--
-- The open-slot index held every unfilled slot, held or not, so a claim walked past every slot
-- leased to someone else (and fetched each from the table to see its lease) before reaching a
-- free one: with thousands of items held, every claim paid for all of them. Now free slots are in
-- one index, in claim order, and held ones in another, by lease expiry, so a claim finds a lapsed
-- lease (the oldest first) or else the next free slot without visiting the held ones. Claiming a
-- slot takes it out of the free index; releasing or a skip puts it back.
DROP INDEX review_slots_open_idx;
CREATE INDEX review_slots_free_idx ON review_slots (task_id, purpose, priority, id)
    WHERE annotation_id IS NULL AND user_id IS NULL;
CREATE INDEX review_slots_lapse_idx ON review_slots (task_id, purpose, lease_expires_at)
    WHERE annotation_id IS NULL AND user_id IS NOT NULL;
