//! The projection framework on both backends, with a small counting projection: checkpoints in
//! the same transaction as rows, redelivery, gaps, poison events, concurrent projectors, rebuild.

use futures::future::BoxFuture;
use portal_domain::{Actor, TenantId};
use portal_eventlog::subscription::{Handled, Handler, Positioned, chain};
use portal_eventlog::testing::{Backend, with_store};
use portal_eventlog::{Metadata, NewEvent, RecordedEvent, Store, StreamId};
use portal_projections::rebuild::{outdated, rebuild};
use portal_projections::{
    ApplyError, ColValue, Column, Ctx, Event, Projection, Projector, ReadDb, Row, Table,
};
use serde::{Deserialize, Serialize};
use sqlx::Row as _;
use std::sync::Arc;
use uuid::Uuid;

static COUNTS: Table = Table {
    name: "rm_test_counts",
    columns: &[Column::int("events").indexed()],
    indexes: &[],
};

/// Events per stream, and the types seen in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Count {
    tenant: TenantId,
    stream: String,
    events: i64,
    types: Vec<String>,
}

impl Row for Count {
    const TABLE: &'static Table = &COUNTS;
    fn tenant(&self) -> &TenantId {
        &self.tenant
    }
    fn key(&self) -> String {
        self.stream.clone()
    }
    fn columns(&self) -> Vec<ColValue> {
        vec![self.events.into()]
    }
}

struct Counting {
    version: u32,
}

impl Projection for Counting {
    fn name(&self) -> &'static str {
        "test_counts"
    }
    fn version(&self) -> u32 {
        self.version
    }
    fn tables(&self) -> &'static [&'static Table] {
        static TABLES: [&Table; 1] = [&COUNTS];
        &TABLES
    }
    fn apply<'a, 'b: 'a>(
        &'a self,
        ctx: &'a mut Ctx<'b>,
        event: Event<'a>,
    ) -> BoxFuture<'a, Result<(), ApplyError>> {
        Box::pin(async move {
            let r = event.recorded;
            if r.event_type == "Poison" {
                return Err(ApplyError::Event("poison".into()));
            }
            let key = r.stream_id.to_string();
            let row = ctx
                .get_or_insert_with(event.tenant(), &key, || Count {
                    tenant: r.tenant.clone(),
                    stream: key.clone(),
                    events: 0,
                    types: vec![],
                })
                .await?;
            row.events += 1;
            row.types.push(r.event_type.clone());
            Ok(())
        })
    }
}

fn projections(version: u32) -> Vec<Arc<dyn Projection>> {
    vec![Arc::new(Counting { version })]
}

fn tenant() -> TenantId {
    TenantId::parse("acme").unwrap()
}

async fn append(store: &Store, stream: &StreamId, types: &[&str]) {
    let current = store.read_stream(stream).await.unwrap().len() as i64;
    let events: Vec<NewEvent> = types
        .iter()
        .map(|t| NewEvent {
            event_id: Uuid::now_v7(),
            event_type: (*t).to_owned(),
            schema_version: 1,
            payload: serde_json::json!({}),
            metadata: Metadata::new(Actor::System),
        })
        .collect();
    store
        .append(&tenant(), stream, current, &events, None)
        .await
        .unwrap();
}

/// Columns of `rm_test_counts` with planner statistics (PostgreSQL).
async fn pg_stats(db: &ReadDb) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM pg_stats WHERE tablename = 'rm_test_counts'")
        .fetch_one(db.pool())
        .await
        .unwrap()
}

fn stream(n: u32) -> StreamId {
    StreamId::parse(&format!("thing-{n}")).unwrap()
}

async fn dump(db: &ReadDb) -> Vec<(String, String, String)> {
    let rows = sqlx::query("SELECT tenant, key, doc FROM rm_test_counts ORDER BY tenant, key")
        .fetch_all(db.pool())
        .await
        .unwrap();
    rows.iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect()
}

async fn count(db: &ReadDb, key: &str) -> Option<Count> {
    let row = sqlx::query("SELECT doc FROM rm_test_counts WHERE tenant = 'acme' AND key = $1")
        .bind(key)
        .fetch_optional(db.pool())
        .await
        .unwrap()?;
    Some(serde_json::from_str(&row.get::<String, _>(0)).unwrap())
}

async fn all_events(store: &Store) -> Vec<RecordedEvent> {
    store.read_all(0, 10_000).await.unwrap()
}

async fn setup(url: &str) -> (ReadDb, Projector) {
    let db = ReadDb::connect(url, 4).await.unwrap();
    let projector = Projector::new(db.clone(), projections(1));
    projector.ensure().await.unwrap();
    (db, projector)
}

async fn redelivery_and_gaps(backend: Backend) {
    with_store(backend, "framework_redelivery", |t| async move {
        let (db, projector) = setup(&t.url).await;
        append(&t.store, &stream(1), &["A", "B"]).await;
        append(&t.store, &stream(2), &["A"]).await;
        let events = all_events(&t.store).await;
        let batch = chain(0, events.clone());
        assert_eq!(projector.handle(&batch).await.unwrap(), Handled::Applied);
        // Redelivered whole and in part: skipped, nothing doubles.
        assert_eq!(projector.handle(&batch).await.unwrap(), Handled::Applied);
        assert_eq!(
            projector.handle(&batch[1..]).await.unwrap(),
            Handled::Applied
        );
        assert_eq!(count(&db, "thing-1").await.unwrap().events, 2);
        assert_eq!(count(&db, "thing-2").await.unwrap().events, 1);
        // A batch that starts after an unseen event is a gap: nothing applied.
        append(&t.store, &stream(1), &["C", "D"]).await;
        let events = all_events(&t.store).await;
        let tail = chain(0, events.clone());
        let last = tail.len() - 1;
        let gap = projector.handle(&tail[last..]).await.unwrap();
        assert_eq!(
            gap,
            Handled::Gap {
                checkpoint: events[2].position
            }
        );
        assert_eq!(count(&db, "thing-1").await.unwrap().events, 2);
        // Catching up from the log closes it, exactly once.
        projector.apply_log(&t.store).await.unwrap();
        assert_eq!(projector.handle(&tail).await.unwrap(), Handled::Applied);
        let c = count(&db, "thing-1").await.unwrap();
        assert_eq!(c.types, ["A", "B", "C", "D"]);
    })
    .await;
}

#[tokio::test]
async fn redelivery_and_gaps_sqlite() {
    redelivery_and_gaps(Backend::Sqlite).await;
}

#[tokio::test]
async fn redelivery_and_gaps_postgres() {
    redelivery_and_gaps(Backend::Postgres).await;
}

async fn poison_is_dead_lettered(backend: Backend) {
    with_store(backend, "framework_poison", |t| async move {
        let (db, projector) = setup(&t.url).await;
        append(&t.store, &stream(1), &["A", "Poison", "B"]).await;
        projector.apply_log(&t.store).await.unwrap();
        // The projection went on past the poison event, in the same batch.
        assert_eq!(count(&db, "thing-1").await.unwrap().types, ["A", "B"]);
        let rows = sqlx::query(
            "SELECT projection, event_type, error, attempts FROM projection_dead_letters",
        )
        .fetch_all(db.pool())
        .await
        .unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].get::<String, _>(0), "test_counts");
        assert_eq!(rows[0].get::<String, _>(1), "Poison");
        assert_eq!(rows[0].get::<String, _>(2), "poison");
        assert_eq!(rows[0].get::<i64, _>(3), 3);
        // The checkpoint passed it: it is not tried again.
        let (_, position, _) = projector.checkpoints().await.unwrap().remove(0);
        assert_eq!(position, all_events(&t.store).await[2].position);
        // A rebuild keeps it dead-lettered (once) and the same rows.
        let before = dump(&db).await;
        rebuild(&t.store, &db, projector.projections(), &|_| {})
            .await
            .unwrap();
        assert_eq!(dump(&db).await, before);
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM projection_dead_letters")
            .fetch_one(db.pool())
            .await
            .unwrap();
        assert_eq!(n, 1);
    })
    .await;
}

#[tokio::test]
async fn poison_is_dead_lettered_sqlite() {
    poison_is_dead_lettered(Backend::Sqlite).await;
}

#[tokio::test]
async fn poison_is_dead_lettered_postgres() {
    poison_is_dead_lettered(Backend::Postgres).await;
}

async fn concurrent_projectors(backend: Backend) {
    with_store(backend, "framework_concurrent", |t| async move {
        let (db, first) = setup(&t.url).await;
        let second = Projector::new(db.clone(), projections(1));
        for n in 0..40 {
            append(&t.store, &stream(n % 7), &["A", "B", "C"]).await;
        }
        let events = all_events(&t.store).await;
        let batches: Vec<Vec<Positioned>> = chain(0, events.clone())
            .chunks(5)
            .map(<[Positioned]>::to_vec)
            .collect();
        // Both offered every batch at once, as two processes would be after redeliveries.
        let run = |p: Projector, batches: Vec<Vec<Positioned>>, store: Store| async move {
            for b in &batches {
                if let Handled::Gap { .. } = p.handle(b).await.unwrap() {
                    p.apply_log(&store).await.unwrap();
                }
            }
        };
        let reversed: Vec<_> = batches.iter().rev().cloned().collect();
        tokio::join!(
            run(first.clone(), batches.clone(), t.store.clone()),
            run(second, reversed, t.store.clone())
        );
        let total: i64 =
            sqlx::query_scalar("SELECT CAST(SUM(events) AS BIGINT) FROM rm_test_counts")
                .fetch_one(db.pool())
                .await
                .unwrap();
        assert_eq!(
            total,
            events.len() as i64,
            "every event applied exactly once"
        );
        for n in 0..7 {
            let c = count(&db, &format!("thing-{n}")).await.unwrap();
            let expected: Vec<&str> = (0..c.events / 3).flat_map(|_| ["A", "B", "C"]).collect();
            assert_eq!(c.types, expected, "in stream order");
        }
    })
    .await;
}

#[tokio::test]
async fn concurrent_projectors_sqlite() {
    concurrent_projectors(Backend::Sqlite).await;
}

#[tokio::test]
async fn concurrent_projectors_postgres() {
    concurrent_projectors(Backend::Postgres).await;
}

async fn rebuild_equals_live(backend: Backend) {
    with_store(backend, "framework_rebuild", |t| async move {
        let (db, projector) = setup(&t.url).await;
        for n in 0..30 {
            append(&t.store, &stream(n % 4), &["A", "B"]).await;
        }
        projector.apply_log(&t.store).await.unwrap();
        let live = dump(&db).await;
        assert_eq!(live.len(), 4);
        // A stray row planted by hand, and a row tampered with.
        sqlx::query("INSERT INTO rm_test_counts (tenant, key, doc, events) VALUES ('acme', 'stray', '{}', 1)")
            .execute(db.pool())
            .await
            .unwrap();
        sqlx::query("UPDATE rm_test_counts SET events = 999 WHERE key = 'thing-1'")
            .execute(db.pool())
            .await
            .unwrap();
        let report = rebuild(&t.store, &db, projector.projections(), &|_| {})
            .await
            .unwrap();
        assert_eq!(report.events, 60);
        assert_eq!(dump(&db).await, live, "rebuilt tables equal the live ones, stray row gone");
        let events: i64 = sqlx::query_scalar("SELECT events FROM rm_test_counts WHERE key = 'thing-1'")
            .fetch_one(db.pool())
            .await
            .unwrap();
        assert_eq!(events, 16);
        if backend == Backend::Postgres {
            // A small copy goes live without statistics: a few rows' statistics would make
            // `tenant` look unique, and key lookups could take any `(tenant, …)` index.
            assert_eq!(pg_stats(&db).await, 0, "small rebuilt table not analysed");
        }
        // The indexes are back on the swapped-in table, and live projection goes on from there.
        append(&t.store, &stream(1), &["C"]).await;
        projector.apply_log(&t.store).await.unwrap();
        assert_eq!(count(&db, "thing-1").await.unwrap().events, 17);
        // A second rebuild works too (no leftovers of the first). On PostgreSQL with enough rows
        // the copy goes live with planner statistics (no waiting for autovacuum).
        let rows = if backend == Backend::Postgres {
            u32::try_from(portal_projections::rebuild::ANALYZE_MIN_ROWS).unwrap()
        } else {
            0
        };
        for n in 100..100 + rows {
            append(&t.store, &stream(n), &["A"]).await;
        }
        rebuild(&t.store, &db, projector.projections(), &|_| {})
            .await
            .unwrap();
        assert_eq!(count(&db, "thing-1").await.unwrap().events, 17);
        if backend == Backend::Postgres {
            assert!(pg_stats(&db).await > 0, "big rebuilt table analysed");
        }
    })
    .await;
}

#[tokio::test]
async fn rebuild_equals_live_sqlite() {
    rebuild_equals_live(Backend::Sqlite).await;
}

#[tokio::test]
async fn rebuild_equals_live_postgres() {
    rebuild_equals_live(Backend::Postgres).await;
}

async fn version_bump_needs_rebuild(backend: Backend) {
    with_store(backend, "framework_outdated", |t| async move {
        let db = ReadDb::connect(&t.url, 4).await.unwrap();
        // Never built, empty log: simply marked built.
        assert!(
            outdated(&t.store, &db, &projections(1))
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            outdated(&t.store, &db, &projections(1))
                .await
                .unwrap()
                .is_empty()
        );
        // Another version: outdated until rebuilt.
        assert_eq!(
            outdated(&t.store, &db, &projections(2))
                .await
                .unwrap()
                .len(),
            1
        );
        append(&t.store, &stream(1), &["A"]).await;
        rebuild(&t.store, &db, &projections(2), &|_| {})
            .await
            .unwrap();
        assert!(
            outdated(&t.store, &db, &projections(2))
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(count(&db, "thing-1").await.unwrap().events, 1);
    })
    .await;
}

#[tokio::test]
async fn version_bump_needs_rebuild_sqlite() {
    version_bump_needs_rebuild(Backend::Sqlite).await;
}

#[tokio::test]
async fn version_bump_needs_rebuild_postgres() {
    version_bump_needs_rebuild(Backend::Postgres).await;
}
