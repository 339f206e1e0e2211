-- The human review queue, laid out for fast claims: one row ("slot") per annotation an item
-- still needs. An item routed to humans with K required annotations gets K slots. A claim leases
-- one open slot to one person (`FOR UPDATE SKIP LOCKED` over a partial index of open slots in
-- claim order); a submission fills it. That no person holds or fills two slots of one item is
-- enforced here, by unique indexes, never by the browser. Replaces `assignments`, which counted
-- leases per claim and would have needed a count per item on every claim.

ALTER TABLE annotations DROP COLUMN assignment_id;
DROP TABLE assignments;

CREATE TABLE review_slots (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    item_id          BIGINT NOT NULL REFERENCES items (id),
    task_id          BIGINT NOT NULL REFERENCES tasks (id),
    purpose          TEXT NOT NULL CHECK (purpose IN ('annotate', 'adjudicate')),
    -- claim order within a task, lowest first: the judge's confidence, and for blind (golden and
    -- audit) items their reproducible audit draw, so they are spread through the stream.
    priority         DOUBLE PRECISION NOT NULL DEFAULT 0,
    -- who holds the slot and until when; after submission, who filled it.
    user_id          BIGINT REFERENCES users (id),
    lease_expires_at TIMESTAMPTZ,
    annotation_id    BIGINT UNIQUE REFERENCES annotations (id),
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((user_id IS NULL) = (lease_expires_at IS NULL))
);
-- One person never holds or fills two slots of one item.
CREATE UNIQUE INDEX review_slots_distinct_people_idx ON review_slots (item_id, user_id);
-- Open slots in claim order (filled slots leave the index).
CREATE INDEX review_slots_open_idx ON review_slots (task_id, purpose, priority, id)
    WHERE annotation_id IS NULL;
-- A person's current lease, to resume it.
CREATE INDEX review_slots_holder_idx ON review_slots (user_id)
    WHERE annotation_id IS NULL AND user_id IS NOT NULL;
CREATE INDEX review_slots_item_idx ON review_slots (item_id);

ALTER TABLE annotations ADD COLUMN slot_id BIGINT REFERENCES review_slots (id) ON DELETE SET NULL;
-- One counted answer per person, item and purpose.
CREATE UNIQUE INDEX annotations_one_counted_per_person_idx ON annotations (item_id, user_id, purpose)
    WHERE counted AND retracted_at IS NULL AND NOT skipped;

-- Where a routed item sits in the review order (see review_slots.priority).
CREATE FUNCTION review_priority(reason TEXT, audit_draw DOUBLE PRECISION, confidence DOUBLE PRECISION)
RETURNS DOUBLE PRECISION LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN reason IN ('golden', 'audit') THEN coalesce(audit_draw, 0) ELSE coalesce(confidence, 0) END
$$;

-- Slots for the items already waiting for humans.
INSERT INTO review_slots (item_id, task_id, purpose, priority)
SELECT i.id, i.task_id, 'annotate', review_priority(d.reason, d.audit_draw, j.confidence)
FROM items i
JOIN LATERAL (SELECT r.reason, r.audit_draw, r.judgment_id, r.annotations_required
              FROM routing_decisions r WHERE r.item_id = i.id ORDER BY r.id DESC LIMIT 1) d ON true
LEFT JOIN judgments j ON j.id = d.judgment_id
CROSS JOIN LATERAL generate_series(1, greatest(d.annotations_required, 1))
WHERE i.state = 'human_review';
