-- Failed sign-ins, for throttling. An address with too many recent failures is refused for a
-- while before any password is checked, on every web process alike (the count lives here, not
-- in a process's memory). Rows are deleted on a successful sign-in and once expired.
CREATE TABLE login_failures (
    -- the address as typed, trimmed and lower-cased (unknown addresses are throttled alike, so
    -- the refusal does not tell which exist).
    email     TEXT NOT NULL,
    failed_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_email_idx ON login_failures (email, failed_at);
CREATE INDEX login_failures_time_idx ON login_failures (failed_at);
