-- Secrets the server makes for itself, once, and shares between all its processes.
--
-- name says what a secret is for ('csrf': the HMAC key that binds a form's CSRF token to its
-- session). secret is the key, hex-encoded. The first process that needs a key inserts it (ON
-- CONFLICT DO NOTHING) and every process then reads the row that won, so that a token minted by
-- one instance is accepted by another. Deleting a row invalidates what was signed with it (every
-- open form must then be reloaded); nothing else depends on it.
CREATE TABLE server_keys (
    name       TEXT PRIMARY KEY,
    secret     TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
