-- Sessions move from tower-sessions' own Postgres store (one MessagePack blob per session) to the
-- app's store (`app::server::session_store`): the data as JSON, and the signed-in person's id in a
-- column of its own, so a request is authenticated by one indexed lookup joining the session to
-- its account, or inside the statement that does its work (a review claim), instead of loading
-- and decoding the session and then reading the account. People signed in now sign in again once.
DROP TABLE tower_sessions.session;
DROP SCHEMA tower_sessions;

CREATE TABLE sessions (
    id         TEXT PRIMARY KEY,
    -- who signed in with this session; NULL for a session without a sign-in.
    user_id    BIGINT REFERENCES users (id) ON DELETE CASCADE,
    data       JSONB NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expires_at);
CREATE INDEX sessions_user_idx ON sessions (user_id);
