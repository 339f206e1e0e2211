-- Sign-in attempts, for throttling; replaces `login_failures`. A row is written before the
-- password is checked and counted at once, so simultaneous guesses for one address cannot all
-- slip under its limit (each sees itself and every attempt committed before it). It is deleted
-- when the password was right, or when no password was checked (throttled, or too busy);
-- otherwise it is marked `failed` and stays until it expires. Limits apply per address and
-- client IP, per address (a ceiling that an IP which has not failed for the address passes, so
-- that nobody can lock a known address out from elsewhere), both counting attempts in flight,
-- and per client IP, counting failures only (people behind one address sign in at once).
-- Counted on every web process alike.
DROP TABLE login_failures;

CREATE TABLE login_attempts (
    id           BIGSERIAL PRIMARY KEY,
    -- the address as typed, trimmed, lower-cased and cut to 254 characters (unknown addresses
    -- are throttled alike, so the refusal does not tell which exist).
    email        TEXT NOT NULL,
    -- the client's address (the peer, or the configured trusted X-Forwarded-For hop), in its
    -- canonical text form.
    client_ip    TEXT NOT NULL,
    attempted_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- the password was checked and was wrong (false while it is being checked).
    failed       BOOLEAN NOT NULL DEFAULT false
);
CREATE INDEX login_attempts_email_idx ON login_attempts (email, attempted_at);
CREATE INDEX login_attempts_ip_idx ON login_attempts (client_ip, attempted_at);
CREATE INDEX login_attempts_time_idx ON login_attempts (attempted_at);
