//! Cursor paging: a list is read in a stable sort order (a sort value, then the row key as the
//! tie-breaker), and a page's cursor is the sort value and key of its last row, so the next page
//! starts right after it even when rows were added or removed in between (no skipped or repeated
//! rows, unlike `OFFSET`).
//!
//! Cursors are opaque strings (hex of a small JSON array) to clients; a cursor that does not
//! decode, or belongs to another list's sort, is [`QueryError::InvalidCursor`].

use crate::error::QueryError;
use serde::{Serialize, de::DeserializeOwned};

/// Which page to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The `next` cursor of the previous page; `None` for the first page.
    pub after: Option<String>,
    /// Rows per page, clamped to `1..=`[`Page::MAX_LIMIT`].
    pub limit: u32,
}

impl Page {
    pub const DEFAULT_LIMIT: u32 = 50;
    pub const MAX_LIMIT: u32 = 500;

    /// The first page of `limit` rows.
    pub fn first(limit: u32) -> Self {
        Self { after: None, limit }
    }

    /// The page after `cursor`.
    pub fn after(cursor: impl Into<String>, limit: u32) -> Self {
        Self {
            after: Some(cursor.into()),
            limit,
        }
    }

    /// The effective limit.
    pub fn limit(&self) -> u32 {
        self.limit.clamp(1, Self::MAX_LIMIT)
    }
}

impl Default for Page {
    fn default() -> Self {
        Self::first(Self::DEFAULT_LIMIT)
    }
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Paged<T> {
    pub items: Vec<T>,
    /// The cursor of the next page; `None` on the last page.
    pub next: Option<String>,
    /// Rows matching the filter, on all pages.
    pub total: i64,
}

impl<T> Paged<T> {
    /// Applies `f` to every item.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Paged<U> {
        Paged {
            items: self.items.into_iter().map(f).collect(),
            next: self.next,
            total: self.total,
        }
    }
}

/// Encodes a cursor value.
pub(crate) fn encode<T: Serialize>(value: &T) -> String {
    // Serialising a tuple of strings and integers cannot fail; an empty cursor would simply be
    // rejected on the way back in.
    hex::encode(serde_json::to_vec(value).unwrap_or_default())
}

/// Decodes a cursor made by [`encode`] with the same type.
pub(crate) fn decode<T: DeserializeOwned>(cursor: &str) -> Result<T, QueryError> {
    let bytes = hex::decode(cursor.trim()).map_err(|_| QueryError::InvalidCursor)?;
    serde_json::from_slice(&bytes).map_err(|_| QueryError::InvalidCursor)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let c = encode(&("acme".to_owned(), "k1".to_owned()));
        assert_eq!(
            decode::<(String, String)>(&c).unwrap(),
            ("acme".into(), "k1".into())
        );
        assert!(matches!(
            decode::<(i64, String)>(&c),
            Err(QueryError::InvalidCursor)
        ));
        assert!(matches!(
            decode::<(String, String)>("zz"),
            Err(QueryError::InvalidCursor)
        ));
        assert!(matches!(
            decode::<(String, String)>(""),
            Err(QueryError::InvalidCursor)
        ));
    }

    #[test]
    fn limits_are_clamped() {
        assert_eq!(Page::first(0).limit(), 1);
        assert_eq!(Page::first(10_000).limit(), Page::MAX_LIMIT);
        assert_eq!(Page::default().limit(), 50);
    }
}
