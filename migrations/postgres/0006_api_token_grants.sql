-- Bearer tokens bound to the grant they were made for, with an expiry, a label and their last use.
--
-- A token acts for one grant: a staff membership (stream tenant-<slug>) or a contact's portal
-- access (stream contact-<uuid>, and the customer's portal switch in stream customer-<uuid>).
-- grant_version and portal_version are the versions of those streams at which the grant was seen
-- in force when the token was made (portal_version only for portal tokens). A token is dead for
-- good as soon as either stream holds, after that version, an event that ends the grant
-- (StaffMemberRemoved of the owner; ContactAccessRevoked, ContactRemoved, a ContactUpdated that
-- moves the contact to another email; CustomerPortalDisabled): granting access again appends a
-- new event but cannot undo the ending one, so it never revives the token. The check reads the
-- log, not a read model, so it holds however far a projector or the notifier lags behind.
-- ended_at records when a request first found the grant ended (the row then stays dead without
-- reading the log again).
--
-- Tokens made before these columns existed get version 0: any end of the grant in the stream's
-- whole history ends them (conservative: such a token may die although its grant was re-made
-- before it was issued). Their contact_id stays null; the check then finds the owner's contact at
-- the customer in the read model. Their expires_at stays null: they do not expire.
--
-- last_used_at is written at most once a minute per token (a conditional UPDATE), not on every
-- request. prefix holds the first characters of the raw token so that a person can recognise it
-- in lists; it is too short to be used or guessed from. email is the owner's, for lists (null for
-- tokens made before this column existed).
ALTER TABLE api_tokens ADD COLUMN name           text;
ALTER TABLE api_tokens ADD COLUMN email          text;
ALTER TABLE api_tokens ADD COLUMN prefix         text;
ALTER TABLE api_tokens ADD COLUMN contact_id     text;
ALTER TABLE api_tokens ADD COLUMN grant_version  bigint NOT NULL DEFAULT 0;
ALTER TABLE api_tokens ADD COLUMN portal_version bigint NOT NULL DEFAULT 0;
ALTER TABLE api_tokens ADD COLUMN expires_at     bigint;
ALTER TABLE api_tokens ADD COLUMN last_used_at   bigint;
ALTER TABLE api_tokens ADD COLUMN ended_at       bigint;

-- The account page and `portal token list` list one identity's tokens.
CREATE INDEX api_tokens_user ON api_tokens (user_id, created_at);
