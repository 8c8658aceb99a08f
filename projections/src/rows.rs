//! Read-model rows: every read-model table has the same shape, `(tenant, key)` as primary key, the
//! row itself as a JSON document in `doc`, and a few typed columns copied out of the document for
//! filtering, sorting and counting in SQL. The shape is what lets one generic layer keep rows in
//! memory (rebuilds), cache and flush them in a transaction (live projection), and generate the
//! tables' DDL, while each projection stays plain Rust over typed rows.
//!
//! Contract for [`Row::columns`]: the values follow [`Table::columns`] in order and types, and are
//! derived from the row alone (they are rewritten on every flush).

use portal_domain::TenantId;
use serde::{Serialize, de::DeserializeOwned};
use std::any::Any;

/// A read-model table. `name` is the live table's name (`rm_…`); rebuilds write to
/// `<name>__rebuild` and swap it in.
#[derive(Debug)]
pub struct Table {
    pub name: &'static str,
    pub columns: &'static [Column],
    /// Secondary indexes beyond the `(tenant, column)` ones of [`Column::indexed`].
    pub indexes: &'static [Index],
}

/// A secondary index of a [`Table`] (named after its table and columns).
#[derive(Debug)]
pub enum Index {
    /// A B-tree over `(tenant, columns…)`: for lists that filter on the first columns and sort on
    /// the last, so that a page reads its rows in order instead of sorting every match.
    Btree(&'static [&'static str]),
    /// PostgreSQL only (pg_trgm and btree_gin, migration 0005): a GIN index over
    /// `(tenant, equal…, column)`, trigrams of the lowercased text `column`, for `LIKE '%term%'`
    /// searches within the rows that `equal` narrows to (one customer's orders): one index scan
    /// finds them, where a trigram index of its own had to be combined with a B-tree scan of all
    /// of the customer's rows. SQLite has none and scans.
    Trigram {
        equal: &'static [&'static str],
        column: &'static str,
    },
}

/// A typed column besides `tenant`, `key` and `doc`.
#[derive(Debug)]
pub struct Column {
    pub name: &'static str,
    pub ty: ColType,
    /// Adds an index on `(tenant, name)`.
    pub indexed: bool,
}

impl Column {
    pub const fn text(name: &'static str) -> Self {
        Self {
            name,
            ty: ColType::Text,
            indexed: false,
        }
    }
    pub const fn int(name: &'static str) -> Self {
        Self {
            name,
            ty: ColType::Int,
            indexed: false,
        }
    }
    pub const fn bool(name: &'static str) -> Self {
        Self {
            name,
            ty: ColType::Bool,
            indexed: false,
        }
    }
    pub const fn indexed(self) -> Self {
        Self {
            indexed: true,
            ..self
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColType {
    Text,
    Int,
    Bool,
}

/// A column value. Text and Int may be NULL.
#[derive(Debug, Clone, PartialEq)]
pub enum ColValue {
    Text(Option<String>),
    Int(Option<i64>),
    Bool(bool),
}

impl From<String> for ColValue {
    fn from(v: String) -> Self {
        Self::Text(Some(v))
    }
}
impl From<&str> for ColValue {
    fn from(v: &str) -> Self {
        Self::Text(Some(v.to_owned()))
    }
}
impl From<Option<String>> for ColValue {
    fn from(v: Option<String>) -> Self {
        Self::Text(v)
    }
}
impl From<i64> for ColValue {
    fn from(v: i64) -> Self {
        Self::Int(Some(v))
    }
}
impl From<Option<i64>> for ColValue {
    fn from(v: Option<i64>) -> Self {
        Self::Int(v)
    }
}
impl From<bool> for ColValue {
    fn from(v: bool) -> Self {
        Self::Bool(v)
    }
}

/// One row of a read-model table.
pub trait Row: Serialize + DeserializeOwned + Send + Sync + 'static {
    const TABLE: &'static Table;
    fn tenant(&self) -> &TenantId;
    /// Unique within the tenant and table.
    fn key(&self) -> String;
    /// Values of [`Table::columns`], in order.
    fn columns(&self) -> Vec<ColValue>;
}

/// A row with its type erased, as the cache holds it.
pub(crate) trait ErasedRow: Send + Sync {
    fn table(&self) -> &'static Table;
    fn tenant_str(&self) -> &str;
    fn key_string(&self) -> String;
    fn doc(&self) -> Result<String, serde_json::Error>;
    fn column_values(&self) -> Vec<ColValue>;
    fn as_any(&self) -> &dyn Any;
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

impl<R: Row> ErasedRow for R {
    fn table(&self) -> &'static Table {
        R::TABLE
    }
    fn tenant_str(&self) -> &str {
        self.tenant().as_str()
    }
    fn key_string(&self) -> String {
        self.key()
    }
    fn doc(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string(self)
    }
    fn column_values(&self) -> Vec<ColValue> {
        self.columns()
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}
