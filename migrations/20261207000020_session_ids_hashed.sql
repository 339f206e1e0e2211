-- Session ids are stored as the hex sha256 of the id the cookie carries, as API tokens are
-- stored hashed: someone who reads the table (a backup, a replica, a leaked dump) cannot sign in
-- with what they read. The ids of sessions open now are hashed in place, so nobody is signed out.
UPDATE sessions SET id = encode(sha256(convert_to(id, 'UTF8')), 'hex');
COMMENT ON COLUMN sessions.id IS 'hex sha256 of the session id in the cookie';
