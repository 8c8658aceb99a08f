//! A tiny SQL builder for the query functions: text with `$n` placeholders and the values bound
//! to them, run on the [`ReadDb`] pool. Only what both backends understand: text, bigint and
//! boolean binds, `LIKE … ESCAPE`, no row-value comparisons.

use super::paging::{self, Page, Paged};
use crate::error::QueryError;
use crate::rows::ColValue;
use crate::store::ReadDb;
use serde::{Serialize, de::DeserializeOwned};
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::{Arguments, Row as _};

/// SQL text and its bound values.
#[derive(Debug, Clone, Default)]
pub(crate) struct Sql {
    text: String,
    args: Vec<ColValue>,
}

impl Sql {
    pub fn new(text: &str) -> Self {
        Self {
            text: text.to_owned(),
            args: Vec::new(),
        }
    }

    /// Appends SQL text.
    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder bound to `value`.
    pub fn bind(&mut self, value: impl Into<ColValue>) -> &mut Self {
        self.args.push(value.into());
        let n = self.args.len();
        self.text.push_str(&format!("${n}"));
        self
    }

    /// Appends ` AND column LIKE '%term%'` for every whitespace-separated term of `search`
    /// (lowercased; `%`, `_` and `\` match themselves). `column` must hold lowercased text.
    pub fn search(&mut self, column: &str, search: Option<&str>) -> &mut Self {
        for term in search.unwrap_or_default().split_whitespace() {
            self.push(&format!(" AND {column} LIKE "))
                .bind(like_contains(term))
                .push(" ESCAPE '\\'");
        }
        self
    }

    fn arguments(&self) -> Result<AnyArguments<'static>, QueryError> {
        let mut args = AnyArguments::default();
        for v in &self.args {
            let r = match v.clone() {
                ColValue::Text(t) => args.add(t),
                ColValue::Int(i) => args.add(i),
                ColValue::Bool(b) => args.add(b),
            };
            r.map_err(|e| QueryError::Db(sqlx::Error::Encode(e)))?;
        }
        Ok(args)
    }

    pub async fn fetch_all(&self, db: &ReadDb) -> Result<Vec<AnyRow>, QueryError> {
        let args = self.arguments()?;
        Ok(sqlx::query_with(&self.text, args)
            .fetch_all(db.pool())
            .await?)
    }

    pub async fn fetch_optional(&self, db: &ReadDb) -> Result<Option<AnyRow>, QueryError> {
        let args = self.arguments()?;
        Ok(sqlx::query_with(&self.text, args)
            .fetch_optional(db.pool())
            .await?)
    }

    /// The first column of the first row as an integer (`COUNT(*)`, `CAST(SUM(…) AS BIGINT)`);
    /// 0 when there is no row or it is NULL.
    pub async fn fetch_int(&self, db: &ReadDb) -> Result<i64, QueryError> {
        let row = self.fetch_optional(db).await?;
        match row {
            Some(r) => Ok(r.try_get::<Option<i64>, _>(0)?.unwrap_or(0)),
            None => Ok(0),
        }
    }
}

/// `%term%` for `LIKE … ESCAPE '\'`, lowercased.
pub(crate) fn like_contains(term: &str) -> String {
    let mut p = String::with_capacity(term.len() + 2);
    p.push('%');
    for c in term.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// The row of `R`'s table with this key in the tenant, if any: the one lookup every read model
/// needs.
pub(crate) async fn by_key<R: crate::rows::Row>(
    db: &ReadDb,
    tenant: &portal_domain::TenantId,
    key: &str,
) -> Result<Option<R>, QueryError> {
    let mut q = Sql::new(&format!(
        "SELECT doc FROM {} WHERE tenant = ",
        R::TABLE.name
    ));
    q.bind(tenant.as_str()).push(" AND key = ").bind(key);
    q.fetch_optional(db)
        .await?
        .map(|r| doc_at(&r, 0))
        .transpose()
}

/// The decoded `doc` of column `i`.
pub(crate) fn doc_at<T: DeserializeOwned>(row: &AnyRow, i: usize) -> Result<T, QueryError> {
    let doc: String = row.try_get(i)?;
    Ok(serde_json::from_str(&doc)?)
}

/// A cursor-paged list over `from`, sorted by `sort` then `key` (see [`super::paging`]).
pub(crate) struct Listing<'a> {
    /// What to select; the row decoder reads these columns.
    pub select: &'a str,
    /// Table(s), with aliases if `select` uses them.
    pub from: &'a str,
    /// The sort column (not NULL for any row the filter admits).
    pub sort: &'a str,
    /// The row key column, the tie-breaker.
    pub key: &'a str,
    pub descending: bool,
}

impl Listing<'_> {
    /// One page. `total`: the number of rows the filter admits when the caller knows it (from
    /// counters), else it is counted here; `filter` appends the WHERE conditions (tenant first);
    /// `decode` turns a result row into an item; `cursor_of` gives an item's sort value and key.
    #[allow(clippy::too_many_arguments)]
    pub async fn fetch<T, K>(
        &self,
        db: &ReadDb,
        page: &Page,
        total: Option<i64>,
        filter: impl Fn(&mut Sql),
        decode: impl Fn(&AnyRow) -> Result<T, QueryError>,
        cursor_of: impl Fn(&T) -> (K, String),
    ) -> Result<Paged<T>, QueryError>
    where
        K: Serialize + DeserializeOwned + Into<ColValue> + Clone,
    {
        let mut q = Sql::new(&format!("SELECT {} FROM {} WHERE ", self.select, self.from));
        filter(&mut q);
        if let Some(cursor) = &page.after {
            let (sort, key): (K, String) = paging::decode(cursor)?;
            let op = if self.descending { "<" } else { ">" };
            // `sort <= x AND (sort < x OR key < k)` rather than only the disjunction: the
            // first term is a range an index on the sort column can start from, so a deep
            // page does not scan every row before it.
            q.push(&format!(" AND {} {op}= ", self.sort))
                .bind(sort.clone())
                .push(&format!(" AND ({} {op} ", self.sort))
                .bind(sort)
                .push(&format!(" OR {} {op} ", self.key))
                .bind(key)
                .push(")");
        }
        let dir = if self.descending { "DESC" } else { "ASC" };
        let limit = page.limit();
        q.push(&format!(
            " ORDER BY {} {dir}, {} {dir} LIMIT ",
            self.sort, self.key
        ))
        .bind(i64::from(limit) + 1);
        let rows = q.fetch_all(db).await?;
        let mut items = rows.iter().map(&decode).collect::<Result<Vec<T>, _>>()?;
        let next = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(|last| paging::encode(&cursor_of(last)))
        } else {
            None
        };
        let total = match total {
            Some(total) => total,
            // A first page that is also the last holds every match: nothing to count.
            None if page.after.is_none() && next.is_none() => items.len() as i64,
            None => {
                let mut count = Sql::new(&format!("SELECT COUNT(*) FROM {} WHERE ", self.from));
                filter(&mut count);
                count.fetch_int(db).await?
            }
        };
        Ok(Paged { items, next, total })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_contains("AB"), "%ab%");
        assert_eq!(like_contains("50%_x\\"), "%50\\%\\_x\\\\%");
    }

    #[test]
    fn placeholders_are_numbered_in_order() {
        let mut q = Sql::new("SELECT doc FROM t WHERE tenant = ");
        q.bind("acme").push(" AND a = ").bind(3_i64);
        q.search("search", Some("x  y"));
        assert_eq!(
            q.text,
            "SELECT doc FROM t WHERE tenant = $1 AND a = $2 AND search LIKE $3 ESCAPE '\\' AND search LIKE $4 ESCAPE '\\'"
        );
        assert_eq!(q.args.len(), 4);
    }
}
