//! The batched append statement: its SQL, binding a batch of appends to it, and reading one
//! answer per append back (see the parent module for the contract).

use super::super::batch::Append;
use crate::envelope::{AppendResult, Idempotency, StreamId};
use crate::error::StoreError;
use sqlx::Row;
use sqlx::postgres::{PgConnection, PgRow};

/// The batched append, in one statement (see the module docs). Appends are rows of `a`; events
/// rows of `u` pointing at their append (`app`) with their rank in it (`n`). An append with a
/// known key is answered from `prior` and inserts nothing; one whose stream is not at its
/// expected version inserts nothing and reports the stream's version.
const APPEND_BATCH: &str = "
WITH a AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[])
                  WITH ORDINALITY AS a(tenant, stream, expected, key, fp, idx)
), prior AS (
    SELECT a.idx, k.fingerprint, k.stream_id, k.first_version, k.last_version,
           k.first_position, k.last_position, k.recorded_at
      FROM a JOIN idempotency_keys k ON k.tenant = a.tenant AND k.key = a.key
), cur AS (
    SELECT a.idx, a.tenant, a.stream, a.expected, a.key, a.fp,
           (SELECT coalesce(max(e.version), 0) FROM events e WHERE e.stream_id = a.stream) AS v
      FROM a WHERE NOT EXISTS (SELECT FROM prior p WHERE p.idx = a.idx)
), ins AS (
    INSERT INTO events (position, stream_id, version, event_id, event_type, schema_version,
                        tenant, payload, metadata, recorded_at)
    SELECT pg_current_xact_id()::text::bigint * 65536 + u.ord, c.stream, c.v + u.n, u.id, u.typ,
           u.sv, c.tenant, u.payload::json, u.meta::json, now()
      FROM unnest($6::bigint[], $7::bigint[], $8::uuid[], $9::text[], $10::integer[],
                  $11::text[], $12::text[])
               WITH ORDINALITY AS u(app, n, id, typ, sv, payload, meta, ord)
      JOIN cur c ON c.idx = u.app AND c.v = c.expected
     ORDER BY u.ord
    RETURNING stream_id, position, version, recorded_at
), done AS (
    SELECT stream_id, min(position) AS first_position, max(position) AS last_position,
           min(version) AS first_version, max(version) AS last_version,
           max(recorded_at) AS recorded_at
      FROM ins GROUP BY stream_id
), idem AS (
    INSERT INTO idempotency_keys (tenant, key, fingerprint, stream_id, first_version,
                                  last_version, first_position, last_position, recorded_at)
    SELECT c.tenant, c.key, c.fp, c.stream, d.first_version, d.last_version, d.first_position,
           d.last_position, d.recorded_at
      FROM cur c JOIN done d ON d.stream_id = c.stream
     WHERE c.key IS NOT NULL
)
SELECT a.idx, c.v AS current_version,
       d.first_position, d.last_position, d.first_version, d.last_version, d.recorded_at,
       p.fingerprint AS prior_fingerprint, p.stream_id AS prior_stream,
       p.first_version AS prior_first_version, p.last_version AS prior_last_version,
       p.first_position AS prior_first_position, p.last_position AS prior_last_position,
       p.recorded_at AS prior_recorded_at
  FROM a LEFT JOIN cur c ON c.idx = a.idx
         LEFT JOIN done d ON d.stream_id = a.stream AND c.v = c.expected
         LEFT JOIN prior p ON p.idx = a.idx
 ORDER BY a.idx";

/// One append without an idempotency key, alone: the short form of [`APPEND_BATCH`], without
/// the bookkeeping of several appends and keys. A batch of one is the common case when requests
/// do not overlap, and this statement costs the database about half as much.
const APPEND_ONE: &str = "
WITH cur AS (
    SELECT coalesce(max(version), 0) AS v FROM events WHERE stream_id = $2
), ins AS (
    INSERT INTO events (position, stream_id, version, event_id, event_type, schema_version,
                        tenant, payload, metadata, recorded_at)
    SELECT pg_current_xact_id()::text::bigint * 65536 + u.ord, $2, cur.v + u.ord, u.id, u.typ,
           u.sv, $1, u.payload::json, u.meta::json, now()
      FROM cur, unnest($4::uuid[], $5::text[], $6::integer[], $7::text[], $8::text[])
                WITH ORDINALITY AS u(id, typ, sv, payload, meta, ord)
     WHERE cur.v = $3
    RETURNING position, version, recorded_at
)
SELECT min(position) AS first_position, max(position) AS last_position,
       min(version) AS first_version, max(version) AS last_version,
       max(recorded_at) AS recorded_at, (SELECT v FROM cur) AS current_version,
       NULL::text AS prior_fingerprint
  FROM ins";

/// Runs [`APPEND_ONE`] for `append` (which has no key).
async fn execute_one(
    conn: &mut PgConnection,
    append: &Append,
) -> Result<Result<AppendResult, StoreError>, sqlx::Error> {
    let e = &append.events;
    let row = sqlx::query(APPEND_ONE)
        .bind(append.tenant.as_str())
        .bind(append.stream.as_str())
        .bind(append.expected)
        .bind(e.iter().map(|e| e.id).collect::<Vec<_>>())
        .bind(e.iter().map(|e| e.event_type.as_str()).collect::<Vec<_>>())
        .bind(e.iter().map(|e| e.schema_version).collect::<Vec<_>>())
        .bind(e.iter().map(|e| e.payload.as_str()).collect::<Vec<_>>())
        .bind(e.iter().map(|e| e.metadata.as_str()).collect::<Vec<_>>())
        .fetch_one(&mut *conn)
        .await?;
    // The same columns as the batch statement's rows (no prior result: there is no key).
    Ok(outcome(append, &row))
}

/// One append in a statement of its own, on `conn` (after its batch was refused, or inside a
/// caller's transaction).
pub(crate) async fn append_alone(
    conn: &mut PgConnection,
    append: &Append,
) -> Result<AppendResult, StoreError> {
    match execute(conn, &[append]).await {
        Ok(mut results) => results.pop().unwrap_or(Err(StoreError::EmptyAppend)),
        Err(e) => single_error(conn, append, e).await,
    }
}

/// The answer to a statement of one append that failed with `e`.
pub(super) async fn single_error(
    conn: &mut PgConnection,
    append: &Append,
    e: sqlx::Error,
) -> Result<AppendResult, StoreError> {
    let conflict = || StoreError::VersionConflict {
        stream: append.stream.to_string(),
        expected: append.expected,
        actual: None,
    };
    let version_taken = is_unique_violation(&e, "events_stream_version_unique");
    let key_taken = is_unique_violation(&e, "idempotency_keys_pkey");
    if version_taken && append.idempotency.is_none() {
        // A concurrent append took the version after our statement read it.
        return Err(conflict());
    }
    if version_taken || key_taken {
        // A concurrent append got there first; when it was a retry of this one (same key), its
        // result is ours, which the statement finds now that it has committed.
        return match execute(conn, &[append]).await {
            Ok(mut results) => results.pop().unwrap_or(Err(StoreError::EmptyAppend)),
            Err(e) if is_unique_violation(&e, "events_stream_version_unique") => Err(conflict()),
            Err(e) if is_unique_violation(&e, "idempotency_keys_pkey") => {
                Err(StoreError::IdempotencyConflict)
            }
            Err(e) => Err(e.into()),
        };
    }
    Err(e.into())
}

fn is_unique_violation(err: &sqlx::Error, constraint: &str) -> bool {
    matches!(err, sqlx::Error::Database(db)
        if db.code().as_deref() == Some("23505") && db.constraint() == Some(constraint))
}

/// A copy of `e` for each caller of a failed batch (sqlx errors are not `Clone`), keeping what
/// [`crate::error::is_connection_failure`] looks at.
pub(crate) fn replicate(e: &sqlx::Error) -> sqlx::Error {
    match e {
        sqlx::Error::PoolTimedOut => sqlx::Error::PoolTimedOut,
        sqlx::Error::PoolClosed => sqlx::Error::PoolClosed,
        sqlx::Error::WorkerCrashed => sqlx::Error::WorkerCrashed,
        sqlx::Error::Io(io) => sqlx::Error::Io(std::io::Error::new(io.kind(), io.to_string())),
        other => sqlx::Error::Protocol(other.to_string()),
    }
}

/// Runs [`APPEND_BATCH`] for `appends` (distinct streams and keys, in stream order): one result
/// per append, in order; `Err` when the statement as a whole failed.
pub(super) async fn execute(
    conn: &mut PgConnection,
    appends: &[&Append],
) -> Result<Vec<Result<AppendResult, StoreError>>, sqlx::Error> {
    if let [append] = appends
        && append.idempotency.is_none()
    {
        return Ok(vec![execute_one(conn, append).await?]);
    }
    let n = appends.len();
    let (mut tenants, mut streams, mut expected, mut keys, mut fps) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    let total: usize = appends.iter().map(|a| a.events.len()).sum();
    let (mut apps, mut ranks, mut ids, mut types, mut svs, mut payloads, mut metas) = (
        Vec::with_capacity(total),
        Vec::with_capacity(total),
        Vec::with_capacity(total),
        Vec::with_capacity(total),
        Vec::with_capacity(total),
        Vec::with_capacity(total),
        Vec::with_capacity(total),
    );
    for (idx, a) in (1_i64..).zip(appends) {
        tenants.push(a.tenant.as_str());
        streams.push(a.stream.as_str());
        expected.push(a.expected);
        keys.push(a.idempotency.as_ref().map(Idempotency::key));
        fps.push(a.idempotency.as_ref().map(Idempotency::fingerprint));
        for (rank, e) in (1_i64..).zip(&a.events) {
            apps.push(idx);
            ranks.push(rank);
            ids.push(e.id);
            types.push(e.event_type.as_str());
            svs.push(e.schema_version);
            payloads.push(e.payload.as_str());
            metas.push(e.metadata.as_str());
        }
    }
    let rows = sqlx::query(APPEND_BATCH)
        .bind(&tenants)
        .bind(&streams)
        .bind(&expected)
        .bind(&keys)
        .bind(&fps)
        .bind(&apps)
        .bind(&ranks)
        .bind(&ids)
        .bind(&types)
        .bind(&svs)
        .bind(&payloads)
        .bind(&metas)
        .fetch_all(&mut *conn)
        .await?;
    if rows.len() != n {
        return Err(sqlx::Error::Protocol(format!(
            "a batch of {n} appends answered {} rows",
            rows.len()
        )));
    }
    Ok(appends
        .iter()
        .zip(&rows)
        .map(|(a, row)| outcome(a, row))
        .collect())
}

fn outcome(append: &Append, row: &PgRow) -> Result<AppendResult, StoreError> {
    if let Some(fingerprint) = row.try_get::<Option<String>, _>("prior_fingerprint")? {
        let same = append
            .idempotency
            .as_ref()
            .is_some_and(|i| i.fingerprint() == fingerprint);
        if !same {
            return Err(StoreError::IdempotencyConflict);
        }
        let stream: String = row.try_get("prior_stream")?;
        return Ok(AppendResult {
            stream_id: StreamId::parse(&stream)?,
            first_version: row.try_get("prior_first_version")?,
            last_version: row.try_get("prior_last_version")?,
            first_position: row.try_get("prior_first_position")?,
            last_position: row.try_get("prior_last_position")?,
            recorded_at: row.try_get("prior_recorded_at")?,
            replayed: true,
        });
    }
    let Some(first_position) = row.try_get::<Option<i64>, _>("first_position")? else {
        return Err(StoreError::VersionConflict {
            stream: append.stream.to_string(),
            expected: append.expected,
            actual: row.try_get("current_version")?,
        });
    };
    Ok(AppendResult {
        stream_id: append.stream.clone(),
        first_version: row.try_get("first_version")?,
        last_version: row.try_get("last_version")?,
        first_position,
        last_position: row.try_get("last_position")?,
        recorded_at: row.try_get("recorded_at")?,
        replayed: false,
    })
}
