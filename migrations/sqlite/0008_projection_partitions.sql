-- Projection checkpoints per (projection, partition): see
-- migrations/postgres/0010_projection_partitions.sql. Embedded mode runs one process, so it has
-- one partition (0) and no leases; the column keeps both backends' queries alike. SQLite cannot
-- change a primary key in place: the table is copied.
CREATE TABLE projection_checkpoints_new (
    name         TEXT    NOT NULL,
    partition_no INTEGER NOT NULL DEFAULT 0,
    position     INTEGER NOT NULL,
    schema       TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (name, partition_no)
);
INSERT INTO projection_checkpoints_new (name, partition_no, position, schema, updated_at)
    SELECT name, 0, position, schema, updated_at FROM projection_checkpoints;
DROP TABLE projection_checkpoints;
ALTER TABLE projection_checkpoints_new RENAME TO projection_checkpoints;
