//! The projections' checkpoint rows (`projection_checkpoints`, one per projection and partition):
//! locking them at the start of a batch and moving them at its end.
//!
//! Lock order is (name, partition) everywhere, so two processes locking overlapping sets (a
//! partition changing hands) wait for each other instead of deadlocking.

use crate::error::ApplyError;
use crate::store::Backend;
use sqlx::AnyConnection;
use sqlx::Row as _;
use std::collections::HashMap;

/// (projection, partition) → position.
pub(crate) type Positions = HashMap<(&'static str, u16), i64>;

/// Locks the rows of `names` × `partitions` (`FOR UPDATE` on PostgreSQL; SQLite's write
/// transaction already excludes others) and returns their positions. A missing row is an
/// error: [`crate::ReadDb::ensure`] creates them.
pub(crate) async fn lock(
    tx: &mut AnyConnection,
    backend: Backend,
    names: &[&'static str],
    partitions: &[u16],
) -> Result<Positions, ApplyError> {
    let mut sql = format!(
        "SELECT name, partition_no, position FROM projection_checkpoints \
         WHERE name IN ({}) AND partition_no IN ({}) ORDER BY name, partition_no",
        placeholders(1, names.len()),
        placeholders(1 + names.len(), partitions.len()),
    );
    if backend == Backend::Postgres {
        sql.push_str(" FOR UPDATE");
    }
    let mut query = sqlx::query(&sql);
    for name in names {
        query = query.bind(*name);
    }
    for p in partitions {
        query = query.bind(i32::from(*p));
    }
    let mut out = Positions::new();
    for row in query.fetch_all(&mut *tx).await? {
        let name: String = row.try_get(0)?;
        let partition: i32 = row.try_get(1)?;
        if let (Some(name), Ok(partition)) =
            (names.iter().find(|n| **n == name), u16::try_from(partition))
        {
            out.insert((*name, partition), row.try_get(2)?);
        }
    }
    for name in names {
        for p in partitions {
            if !out.contains_key(&(*name, *p)) {
                return Err(ApplyError::Event(format!(
                    "no checkpoint row for projection {name}, partition {p}"
                )));
            }
        }
    }
    Ok(out)
}

/// Moves the checkpoints of `advanced` to `position`: one statement when every projection moved
/// the same partitions (the usual case), else one per projection.
pub(crate) async fn advance(
    tx: &mut AnyConnection,
    advanced: &[(&'static str, u16)],
    position: i64,
) -> Result<(), ApplyError> {
    let mut by_name: Vec<(&'static str, Vec<u16>)> = Vec::new();
    for (name, p) in advanced {
        match by_name.iter_mut().find(|(n, _)| n == name) {
            Some((_, ps)) => ps.push(*p),
            None => by_name.push((name, vec![*p])),
        }
    }
    let same = by_name.windows(2).all(|w| w[0].1 == w[1].1);
    let groups: Vec<(Vec<&'static str>, &[u16])> = if same {
        match by_name.first() {
            Some((_, ps)) => vec![(by_name.iter().map(|(n, _)| *n).collect(), ps.as_slice())],
            None => Vec::new(),
        }
    } else {
        by_name
            .iter()
            .map(|(n, ps)| (vec![*n], ps.as_slice()))
            .collect()
    };
    for (names, partitions) in groups {
        let sql = format!(
            "UPDATE projection_checkpoints SET position = $1, updated_at = CURRENT_TIMESTAMP \
             WHERE name IN ({}) AND partition_no IN ({})",
            placeholders(2, names.len()),
            placeholders(2 + names.len(), partitions.len()),
        );
        let mut query = sqlx::query(&sql).bind(position);
        for name in &names {
            query = query.bind(*name);
        }
        for p in partitions {
            query = query.bind(i32::from(*p));
        }
        query.execute(&mut *tx).await?;
    }
    Ok(())
}

/// `$first, $first+1, …`: `n` numbered placeholders for an `IN (…)` list.
pub(crate) fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}
