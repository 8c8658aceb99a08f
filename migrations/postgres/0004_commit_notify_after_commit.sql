-- The commit hint (`NOTIFY portal_events`) moves out of the appending transaction.
--
-- Migration 0002 sent it from a statement trigger on `events`. PostgreSQL takes one cluster-wide
-- lock in a notifying transaction's pre-commit and holds it until the commit record is flushed,
-- so with that trigger every append waited for every other append's WAL flush: commits were
-- serialised and group commit never happened (pgbench, 32 clients, the store's append on this
-- 2-core machine: 2,877 appends/s without the trigger, 1,095 with it).
--
-- The store now sends the notification itself, right after an append commits, from a
-- notify-only statement (no WAL, so the lock is held for a moment) and coalesces bursts (see
-- `CommitSignal` in eventlog/src/store/postgres.rs). Listeners are unchanged: the notification
-- stays a hint, and they still poll slowly for anything committed without one.
DROP TRIGGER events_notify ON events;
DROP FUNCTION events_notify_commit();
