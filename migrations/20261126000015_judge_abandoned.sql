-- Claims of an item taken over after a worker stopped while judging it (its lease lapsed) are
-- counted apart from attempts: a killed or crashed worker is seldom the item's fault, so it must
-- not use up the item's attempts (which bound failed calls to the endpoint). An item abandoned
-- many times is given up on as a likely poison item.
ALTER TABLE items
    ADD COLUMN judge_abandoned INTEGER NOT NULL DEFAULT 0 CHECK (judge_abandoned >= 0),
    -- Whether the current claim took the item over from a lapsed lease, so a worker handing it
    -- back at shutdown undoes the right count.
    ADD COLUMN judge_retaken BOOLEAN NOT NULL DEFAULT false;
