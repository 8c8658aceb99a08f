//! The read-model database: `sqlx::Any` over the same PostgreSQL database as the event log, or the
//! same SQLite file in embedded mode, so that one SQL text serves both (placeholders `$1…`, which
//! SQLite accepts too; types limited to text, bigint and boolean; documents as JSON text).
//!
//! Read-model tables are generated from the [`Table`] definitions (see [`crate::rows`]); the
//! checkpoint and dead-letter tables are in the migrations (`0002_fanout.sql`).
//!
//! Hazard (SQLite): a deferred transaction that reads and then writes fails at once with
//! `SQLITE_BUSY` when another connection committed in between; every write transaction here starts
//! with `BEGIN IMMEDIATE` ([`ReadDb::begin`]) so that it waits for the write lock instead.

use crate::ctx::{RowCache, SlotKey};
use crate::error::ApplyError;
use crate::projection::Projection;
use crate::rows::{ColType, ColValue, Index, Row, Table};
use portal_domain::TenantId;
use portal_eventlog::store::WriteTx;
use sqlx::any::AnyArguments;
use sqlx::{AnyConnection, AnyPool, Arguments, Row as _};
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

/// The read-model database. Cheap to clone.
#[derive(Debug, Clone)]
pub struct ReadDb {
    pool: AnyPool,
    backend: Backend,
    /// PostgreSQL only: a typed pool for `COPY`, which bulk-loads rebuilt tables several times
    /// faster than multi-row `INSERT`s and which `sqlx::Any` cannot do.
    copy: Option<sqlx::PgPool>,
    /// Partitions of the projection work (see [`crate::partitions`]); 1 unless set.
    partitions: u16,
    /// SQLite: the file's write gate (see `portal_eventlog::store::write_gate`).
    gate: Option<std::sync::Arc<tokio::sync::Mutex<()>>>,
}

/// Most bind parameters in one statement (SQLite allows 32,766, PostgreSQL 65,535).
pub(crate) const MAX_BINDS: usize = 30_000;

impl ReadDb {
    /// Connects to the database of `url` (`postgres://…` or `sqlite:…`, as for the event log).
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, sqlx::Error> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            Backend::Postgres
        };
        let pool = portal_eventlog::store::pool::options::<sqlx::Any>()
            .max_connections(max_connections.max(2))
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    // Read models are derived data, and each projection transaction carries its
                    // own checkpoint: a crash can only lose whole recent transactions, which are
                    // then applied again from the log. So commits need not wait for the disk
                    // (no WAL flush per batch), which keeps commit-to-visible latency low.
                    let sql = match backend {
                        Backend::Postgres => "SET synchronous_commit = off",
                        Backend::Sqlite => "PRAGMA synchronous = NORMAL",
                    };
                    sqlx::query(sql).execute(conn).await.map(|_| ())
                })
            })
            .connect(url)
            .await?;
        let copy = match backend {
            Backend::Postgres => Some(
                portal_eventlog::store::pool::options::<sqlx::Postgres>()
                    .max_connections(max_connections.clamp(2, 16))
                    .acquire_timeout(Duration::from_secs(10))
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            // Derived data, as above.
                            sqlx::query("SET synchronous_commit = off")
                                .execute(conn)
                                .await
                                .map(|_| ())
                        })
                    })
                    .connect_lazy(url)?,
            ),
            Backend::Sqlite => None,
        };
        Ok(Self {
            pool,
            backend,
            copy,
            partitions: 1,
            gate: (backend == Backend::Sqlite).then(|| portal_eventlog::store::write_gate(url)),
        })
    }

    /// The same database with `count` partitions of the projection work (clamped to
    /// 1..=[`crate::partitions::MAX_PARTITIONS`]; always 1 on SQLite, which has one process).
    /// Every process of one database must use the same count: it decides where counters are
    /// kept, so a change means a rebuild (the stored schema names the count).
    pub fn with_partitions(mut self, count: u16) -> Self {
        self.partitions = match self.backend {
            Backend::Sqlite => 1,
            Backend::Postgres => count.clamp(1, crate::partitions::MAX_PARTITIONS),
        };
        self
    }

    pub fn partition_count(&self) -> u16 {
        self.partitions
    }

    /// The PostgreSQL pool for `COPY` (`None` on SQLite).
    pub(crate) fn copy_pool(&self) -> Option<&sqlx::PgPool> {
        self.copy.as_ref()
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A write transaction (`BEGIN IMMEDIATE` on SQLite behind the file's write gate, see the
    /// module docs).
    pub async fn begin(&self) -> Result<WriteTx, sqlx::Error> {
        WriteTx::begin(&self.pool, self.gate.as_ref()).await
    }

    /// Creates the live tables of `projections` that are missing, with their indexes, and their
    /// checkpoint rows (position 0, empty schema: "never built").
    ///
    /// On PostgreSQL the checkpoint rows are locked (in name order) before any table is touched,
    /// as a projector's batch does. `CREATE … IF NOT EXISTS` locks each table even when it
    /// exists: otherwise a `portal token create` or `portal project` starting beside a running
    /// projector could hold a table the batch writes next while the batch holds one this needs,
    /// and PostgreSQL would end one of them with "deadlock detected".
    pub async fn ensure(&self, projections: &[&dyn Projection]) -> Result<(), sqlx::Error> {
        let mut tx = self.begin().await?;
        for p in projections {
            for partition in 0..self.partitions {
                sqlx::query(
                    "INSERT INTO projection_checkpoints (name, partition_no, position, schema) \
                     VALUES ($1, $2, 0, '') ON CONFLICT (name, partition_no) DO NOTHING",
                )
                .bind(p.name())
                .bind(i32::from(partition))
                .execute(&mut *tx)
                .await?;
            }
            // Rows of a larger count used before: the rebuild the new count needs resets the
            // others, and these would hold reads back for good.
            sqlx::query(
                "DELETE FROM projection_checkpoints WHERE name = $1 AND partition_no >= $2",
            )
            .bind(p.name())
            .bind(i32::from(self.partitions))
            .execute(&mut *tx)
            .await?;
        }
        if self.backend == Backend::Postgres && !projections.is_empty() {
            let placeholders: Vec<String> =
                (1..=projections.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT name FROM projection_checkpoints WHERE name IN ({}) ORDER BY name \
                 FOR UPDATE",
                placeholders.join(", ")
            );
            let mut query = sqlx::query(&sql);
            for p in projections {
                query = query.bind(p.name());
            }
            query.fetch_all(&mut *tx).await?;
        }
        for p in projections {
            for table in p.tables() {
                sqlx::query(&create_table(table, ""))
                    .execute(&mut *tx)
                    .await?;
                for sql in create_indexes(table, self.backend) {
                    sqlx::query(&sql).execute(&mut *tx).await?;
                }
            }
        }
        tx.commit().await
    }
}

pub(crate) fn table_name(table: &Table, suffix: &str) -> String {
    format!("{}{suffix}", table.name)
}

fn sql_type(ty: ColType) -> &'static str {
    match ty {
        ColType::Text => "TEXT",
        ColType::Int => "BIGINT",
        ColType::Bool => "BOOLEAN",
    }
}

/// `CREATE TABLE IF NOT EXISTS` for `table` (+ `suffix`), without secondary indexes.
pub(crate) fn create_table(table: &Table, suffix: &str) -> String {
    let mut cols = String::from("tenant TEXT NOT NULL, key TEXT NOT NULL, doc TEXT NOT NULL");
    for c in table.columns {
        cols.push_str(&format!(", {} {}", c.name, sql_type(c.ty)));
    }
    format!(
        "CREATE TABLE IF NOT EXISTS {} ({cols}, PRIMARY KEY (tenant, key))",
        table_name(table, suffix)
    )
}

/// A secondary index: its name (index names are global per schema) and what follows
/// `ON <table>` in its `CREATE INDEX`.
pub(crate) struct IndexDef {
    pub name: String,
    pub body: String,
    /// Not built on SQLite.
    pub postgres_only: bool,
}

/// Every secondary index of `table`: `(tenant, column)` per indexed column, then
/// [`Table::indexes`].
pub(crate) fn index_defs(table: &Table) -> Vec<IndexDef> {
    let t = table.name;
    let single = table
        .columns
        .iter()
        .filter(|c| c.indexed)
        .map(|c| IndexDef {
            name: format!("{t}_{}_idx", c.name),
            body: format!("(tenant, {})", c.name),
            postgres_only: false,
        });
    let extra = table.indexes.iter().map(|i| match i {
        Index::Btree(cols) => IndexDef {
            name: format!("{t}_{}_idx", cols.join("_")),
            body: format!("(tenant, {})", cols.join(", ")),
            postgres_only: false,
        },
        Index::Trigram { equal, column } => IndexDef {
            name: format!("{t}_{column}_trgm_idx"),
            body: format!(
                "USING gin (tenant, {}{column} gin_trgm_ops)",
                equal.iter().map(|c| format!("{c}, ")).collect::<String>()
            ),
            postgres_only: true,
        },
    });
    single.chain(extra).collect()
}

/// The secondary indexes of the live table on `backend`. Only live tables get them under these
/// names (a rebuilt table gets them after its rename, see [`crate::rebuild`]).
pub(crate) fn create_indexes(table: &Table, backend: Backend) -> Vec<String> {
    index_defs(table)
        .into_iter()
        .filter(|d| backend == Backend::Postgres || !d.postgres_only)
        .map(|d| {
            format!(
                "CREATE INDEX IF NOT EXISTS {} ON {} {}",
                d.name, table.name, d.body
            )
        })
        .collect()
}

/// A fingerprint of what a projection stores: its version, its tables' shapes and, past one, the
/// partition count (counters are kept per partition).
pub(crate) fn schema_of(p: &dyn Projection, partitions: u16) -> String {
    use sha2::{Digest, Sha256};
    let mut text = format!("v{}", p.version());
    for t in p.tables() {
        text.push_str(&create_table(t, ""));
        for c in t.columns.iter().filter(|c| c.indexed) {
            text.push_str(&format!(" idx {}", c.name));
        }
        // Tables without extra indexes keep the fingerprint they had before these existed.
        for i in t.indexes {
            text.push_str(&format!(" {i:?}"));
        }
    }
    // One partition keeps the fingerprint stored before partitions existed.
    if partitions > 1 {
        text.push_str(&format!(" partitions {partitions}"));
    }
    format!(
        "v{}-{}",
        p.version(),
        &hex::encode(Sha256::digest(text))[..16]
    )
}

/// Loads one row by key, from the table with `suffix`.
pub(crate) async fn load<R: Row>(
    conn: &mut AnyConnection,
    suffix: &str,
    tenant: &TenantId,
    key: &str,
) -> Result<Option<R>, ApplyError> {
    let sql = format!(
        "SELECT doc FROM {} WHERE tenant = $1 AND key = $2",
        table_name(R::TABLE, suffix)
    );
    // Not a cached prepared statement: PostgreSQL would soon switch it to a generic plan made
    // while the table was tiny, with estimates that make any `(tenant, …)` index look as good as
    // the primary key, and keep that plan as the table grows (every lookup then scans the
    // tenant's rows). Planned per execution instead. Measured in the portal benchmark, the
    // 30,000 drafts created through the API were all projected 25.7–29.7 s after the last one
    // was created with the cached statement, 11.6 s without it.
    let row = sqlx::query(&sql)
        .persistent(false)
        .bind(tenant.as_str())
        .bind(key)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let doc: String = row.try_get(0)?;
    serde_json::from_str(&doc)
        .map(Some)
        .map_err(|e| ApplyError::CorruptRow {
            table: R::TABLE.name,
            key: key.to_owned(),
            reason: e.to_string(),
        })
}

fn bind(args: &mut AnyArguments<'_>, v: ColValue) -> Result<(), sqlx::Error> {
    let r = match v {
        ColValue::Text(t) => args.add(t),
        ColValue::Int(i) => args.add(i),
        ColValue::Bool(b) => args.add(b),
    };
    r.map_err(sqlx::Error::Encode)
}

/// Rows grouped by table, in a stable order (statements run in a deterministic order).
type RowsByTable = BTreeMap<&'static str, (&'static Table, Vec<Box<dyn crate::rows::ErasedRow>>)>;

/// The dirty rows of `cache`: the rows to write, by table, and the keys to delete.
fn changes(cache: RowCache) -> (RowsByTable, Vec<SlotKey>) {
    let mut rows: RowsByTable = BTreeMap::new();
    let mut deletes = Vec::new();
    for (key, slot) in cache.slots {
        if !slot.dirty {
            continue;
        }
        match slot.row {
            Some(row) => rows
                .entry(key.0)
                .or_insert_with(|| (row.table(), Vec::new()))
                .1
                .push(row),
            None => deletes.push(key),
        }
    }
    (rows, deletes)
}

/// `tenant, key, doc, <columns…>`: the column list of every statement that writes a row.
fn column_list(table: &Table) -> String {
    let mut list = String::from("tenant, key, doc");
    for c in table.columns {
        list.push_str(", ");
        list.push_str(c.name);
    }
    list
}

/// Writes every dirty row of `cache` to the tables with `suffix`: upserts in multi-row statements,
/// deletes in one statement per table and tenant (more only past the bind limit). Returns the
/// number of statements.
pub(crate) async fn flush(
    conn: &mut AnyConnection,
    cache: RowCache,
    suffix: &str,
) -> Result<usize, ApplyError> {
    let (upserts, deletes) = changes(cache);
    let mut statements = 0;
    let mut by_group: BTreeMap<(&'static str, String), Vec<String>> = BTreeMap::new();
    for (table, tenant, key) in deletes {
        by_group.entry((table, tenant)).or_default().push(key);
    }
    for ((table, tenant), keys) in by_group {
        for chunk in keys.chunks(MAX_BINDS - 1) {
            let list = (2..chunk.len() + 2)
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!("DELETE FROM {table}{suffix} WHERE tenant = $1 AND key IN ({list})");
            let mut query = sqlx::query(&sql).persistent(false).bind(tenant.as_str());
            for key in chunk {
                query = query.bind(key.as_str());
            }
            query.execute(&mut *conn).await?;
            statements += 1;
        }
    }
    for (_, (table, rows)) in upserts {
        let width = 3 + table.columns.len();
        for chunk in rows.chunks((MAX_BINDS / width).max(1)) {
            let mut sql = format!(
                "INSERT INTO {} ({}) VALUES ",
                table_name(table, suffix),
                column_list(table)
            );
            let mut args = AnyArguments::default();
            let mut n = 0;
            for (i, row) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push('(');
                for j in 0..width {
                    n += 1;
                    if j > 0 {
                        sql.push_str(", ");
                    }
                    sql.push_str(&format!("${n}"));
                }
                sql.push(')');
                let doc = row.doc().map_err(|e| ApplyError::CorruptRow {
                    table: table.name,
                    key: row.key_string(),
                    reason: e.to_string(),
                })?;
                bind(&mut args, ColValue::Text(Some(row.tenant_str().to_owned())))?;
                bind(&mut args, ColValue::Text(Some(row.key_string())))?;
                bind(&mut args, ColValue::Text(Some(doc)))?;
                for v in row.column_values() {
                    bind(&mut args, v)?;
                }
            }
            sql.push_str(" ON CONFLICT (tenant, key) DO UPDATE SET doc = excluded.doc");
            for c in table.columns {
                sql.push_str(&format!(", {0} = excluded.{0}", c.name));
            }
            // Not a cached prepared statement: its text varies with the row count, and every
            // count kept per connection (here and in the server) would only grow memory.
            sqlx::query_with(&sql, args)
                .persistent(false)
                .execute(&mut *conn)
                .await?;
            statements += 1;
        }
    }
    Ok(statements)
}

/// Appends `value` to a `COPY … FROM STDIN` text-format line: backslash, tab, newline and
/// carriage return escaped; `None` is `\N`.
fn copy_field(line: &mut String, value: Option<&str>) {
    let Some(mut rest) = value else {
        line.push_str("\\N");
        return;
    };
    // Copy runs between reserved characters in one piece: JSON documents rarely hold any.
    while let Some(i) = rest.find(['\\', '\t', '\n', '\r']) {
        line.push_str(&rest[..i]);
        line.push_str(match rest.as_bytes()[i] {
            b'\\' => "\\\\",
            b'\t' => "\\t",
            b'\n' => "\\n",
            _ => "\\r",
        });
        rest = &rest[i + 1..];
    }
    line.push_str(rest);
}

/// Bulk-loads every row of `cache` into the tables with `suffix` with `COPY` (PostgreSQL). The
/// tables must have been created in the caller's transaction: `FREEZE` writes the rows already
/// frozen, sparing the later visibility-hint and vacuum work. Returns the rows written per table
/// name (tables without rows are absent).
pub(crate) async fn copy_rows(
    conn: &mut sqlx::PgConnection,
    cache: RowCache,
    suffix: &str,
) -> Result<HashMap<&'static str, usize>, ApplyError> {
    // A rebuild's cache holds no deletions: every row in it is new.
    let (by_table, _) = changes(cache);
    let mut written = HashMap::new();
    for (_, (table, rows)) in by_table {
        let mut copy = conn
            .copy_in_raw(&format!(
                "COPY {} ({}) FROM STDIN WITH (FREEZE)",
                table_name(table, suffix),
                column_list(table)
            ))
            .await?;
        let mut buffer = String::with_capacity(1 << 20);
        for row in &rows {
            let doc = row.doc().map_err(|e| ApplyError::CorruptRow {
                table: table.name,
                key: row.key_string(),
                reason: e.to_string(),
            })?;
            copy_field(&mut buffer, Some(row.tenant_str()));
            buffer.push('\t');
            copy_field(&mut buffer, Some(&row.key_string()));
            buffer.push('\t');
            copy_field(&mut buffer, Some(&doc));
            for v in row.column_values() {
                buffer.push('\t');
                match v {
                    ColValue::Text(t) => copy_field(&mut buffer, t.as_deref()),
                    ColValue::Int(i) => {
                        copy_field(&mut buffer, i.map(|i| i.to_string()).as_deref())
                    }
                    ColValue::Bool(b) => buffer.push(if b { 't' } else { 'f' }),
                }
            }
            buffer.push('\n');
            if buffer.len() >= 1 << 20 {
                copy.send(std::mem::take(&mut buffer).into_bytes()).await?;
            }
        }
        if !buffer.is_empty() {
            copy.send(buffer.into_bytes()).await?;
        }
        copy.finish().await?;
        written.insert(table.name, rows.len());
    }
    Ok(written)
}

/// Decodes the `doc` column (first column) of query results into rows, for query functions.
pub fn docs<R: Row>(rows: &[sqlx::any::AnyRow]) -> Result<Vec<R>, crate::QueryError> {
    rows.iter()
        .map(|r| {
            let doc: String = r.try_get(0)?;
            Ok(serde_json::from_str(&doc)?)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::copy_field;

    #[test]
    fn copy_fields_escape_what_the_text_format_reserves() {
        let mut line = String::new();
        copy_field(&mut line, Some("a\\b\tc\nd\re \"q\""));
        assert_eq!(line, "a\\\\b\\tc\\nd\\re \"q\"");
        let mut line = String::new();
        copy_field(&mut line, None);
        assert_eq!(line, "\\N");
    }
}
