-- The judge queue lives on `items`: an item waits in state 'queued', a worker claims it with a
-- lease (state 'judging', lease owner and expiry, `FOR UPDATE SKIP LOCKED`), and the lease lapses
-- if the worker dies, so another worker takes the item. No transaction is held across a call to
-- the LLM.

ALTER TABLE items
    -- claims so far; an item claimed more than the worker's limit ends in state 'failed'.
    ADD COLUMN judge_attempts   INTEGER NOT NULL DEFAULT 0,
    -- back-off after a failed attempt: not claimed again before this time.
    ADD COLUMN judge_not_before TIMESTAMPTZ,
    -- the worker process holding the item while it is 'judging', and until when.
    ADD COLUMN lease_owner      UUID,
    ADD COLUMN lease_expires_at TIMESTAMPTZ,
    -- why the last attempt failed (shown for 'failed' items); never holds secrets.
    ADD COLUMN judge_error      TEXT;

-- Only waiting and leased items, so claiming stays fast however many items are done.
CREATE INDEX items_judge_queue_idx ON items (id) WHERE state IN ('queued', 'judging');

