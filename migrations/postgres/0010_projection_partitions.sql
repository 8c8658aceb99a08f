-- Projections split into partitions, so that several `portal project` processes apply events at
-- the same time.
--
-- An event belongs to partition hash(stream id) mod N (N: the `--projection-partitions`
-- setting; see projections/src/partitions.rs). Every read-model row is written by the events of
-- one partition only (counters are kept per partition and summed when read), so processes that
-- own different partitions never write the same row.
--
-- Checkpoints become per (projection, partition). A partition's checkpoint is the position up to
-- which its owner has seen the log, not only applied its own events: an idle partition moves
-- with the others, so a read waiting for position N (read-your-writes) is answered. Existing
-- rows become partition 0, which is the whole log when N = 1 (the default of embedded mode).
ALTER TABLE projection_checkpoints ADD COLUMN partition_no integer NOT NULL DEFAULT 0;
ALTER TABLE projection_checkpoints DROP CONSTRAINT projection_checkpoints_pkey;
ALTER TABLE projection_checkpoints ADD PRIMARY KEY (name, partition_no);

-- Which process applies which partition. A process renews its leases every few seconds; a lease
-- not renewed expires, and the partition is taken by another process. Leases only share out the
-- work: exactly-once comes from the checkpoint row, locked by every batch that applies events of
-- its partition, so even a process that lost its lease unawares cannot apply an event twice.
CREATE TABLE projection_leases (
    partition_no integer     PRIMARY KEY,
    owner        text,
    expires_at   timestamptz NOT NULL DEFAULT '-infinity'
);

-- Processes taking part, so that each can compute its fair share (partitions ÷ live members); a
-- member not seen for a lease's lifetime is gone.
CREATE TABLE projection_members (
    owner   text        PRIMARY KEY,
    seen_at timestamptz NOT NULL
);
