//! Read-model checks: table dumps compared with a rebuild from the log, an independent oracle for
//! the dashboard counters, projection checkpoints, dead letters, and a handler wrapper that counts
//! what each runner was offered.

use portal_eventlog::subscription::{Handled, Handler, HandlerError, Positioned};
use portal_eventlog::{RecordedEvent, Store};
use portal_projections::{Projector, ReadDb, models};
use serde_json::Value;
use sqlx::{PgPool, Row};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Every live read-model table, as sorted (tenant, key, doc).
pub type Dump = BTreeMap<String, Vec<(String, String, Value)>>;

pub fn pg_pool(store: &Store) -> PgPool {
    match store {
        Store::Postgres(pg) => pg.pool().clone(),
        Store::Sqlite(_) => panic!("these tests run on PostgreSQL"),
    }
}

/// The read-model database and a projector over every read model, tables ensured.
pub async fn projector(url: &str) -> Projector {
    let db = ReadDb::connect(url, 4).await.unwrap();
    let projector = Projector::new(db, models::all());
    projector.ensure().await.unwrap();
    projector
}

pub async fn dump(pool: &PgPool) -> Dump {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() \
         AND tablename LIKE 'rm\\_%' AND tablename NOT LIKE '%\\_\\_rebuild' ORDER BY tablename",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut out = Dump::new();
    for t in tables {
        let rows = sqlx::query(&format!(
            "SELECT tenant, key, doc FROM {t} ORDER BY tenant, key"
        ))
        .fetch_all(pool)
        .await
        .unwrap();
        let rows = rows
            .iter()
            .map(|r| {
                let doc: String = r.get(2);
                let doc = serde_json::from_str(&doc)
                    .unwrap_or_else(|e| panic!("{t}: a doc is not JSON ({e}): {doc}"));
                (r.get(0), r.get(1), doc)
            })
            .collect();
        out.insert(t, rows);
    }
    out
}

/// Panics with the first differences, table by table.
pub fn assert_same_dump(live: &Dump, rebuilt: &Dump, what: &str) {
    let mut problems = Vec::new();
    let tables: std::collections::BTreeSet<&String> = live.keys().chain(rebuilt.keys()).collect();
    for t in tables {
        let empty = Vec::new();
        let (a, b) = (
            live.get(t).unwrap_or(&empty),
            rebuilt.get(t).unwrap_or(&empty),
        );
        if a == b {
            continue;
        }
        let a_map: BTreeMap<_, _> = a.iter().map(|(t, k, d)| ((t, k), d)).collect();
        let b_map: BTreeMap<_, _> = b.iter().map(|(t, k, d)| ((t, k), d)).collect();
        let mut shown = 0;
        let mut lines = vec![format!(
            "table {t}: {} live rows, {} rebuilt rows",
            a.len(),
            b.len()
        )];
        for key in a_map.keys().chain(b_map.keys()) {
            let (x, y) = (a_map.get(key), b_map.get(key));
            if x != y && shown < 3 {
                shown += 1;
                lines.push(format!(
                    "  key {key:?}:\n    live:    {x:?}\n    rebuilt: {y:?}"
                ));
            }
        }
        problems.push(lines.join("\n"));
    }
    assert!(
        problems.is_empty(),
        "{what}: live read models differ from a rebuild from the log:\n{}",
        problems.join("\n")
    );
}

/// Dumps the live tables, rebuilds every read model from the log, dumps again, compares.
/// Returns the number of rows compared.
pub async fn assert_equals_rebuild(store: &Store, url: &str, what: &str) -> usize {
    assert_equals_rebuild_in(store, url, what, 1).await
}

/// [`assert_equals_rebuild`] of read models kept in `partitions` partitions.
pub async fn assert_equals_rebuild_in(
    store: &Store,
    url: &str,
    what: &str,
    partitions: u16,
) -> usize {
    let pool = pg_pool(store);
    let live = dump(&pool).await;
    let db = ReadDb::connect(url, 4)
        .await
        .unwrap()
        .with_partitions(partitions);
    let report = portal_projections::rebuild::rebuild(store, &db, &models::all(), &|_| {})
        .await
        .unwrap_or_else(|e| panic!("{what}: rebuild failed: {e}"));
    let rebuilt = dump(&pool).await;
    assert!(
        report.dead_letters.iter().all(|(_, n)| *n == 0),
        "{what}: the rebuild dead-lettered events: {:?}",
        report.dead_letters
    );
    assert_same_dump(&live, &rebuilt, what);
    let rows: usize = live.values().map(Vec::len).sum();
    for t in [
        "rm_orders",
        "rm_customers",
        "rm_contacts",
        "rm_dash_customers",
    ] {
        assert!(
            live.get(t).is_some_and(|r| !r.is_empty()),
            "{what}: {t} is empty; the workload did not reach the read models"
        );
    }
    rows
}

/// Fails when any projection dead-lettered an event.
pub async fn assert_no_dead_letters(pool: &PgPool, what: &str) {
    let rows = sqlx::query(
        "SELECT projection, position, event_type, error FROM projection_dead_letters LIMIT 5",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let dead: Vec<String> = rows
        .iter()
        .map(|r| {
            format!(
                "{} at {} ({}): {}",
                r.get::<String, _>(0),
                r.get::<i64, _>(1),
                r.get::<String, _>(2),
                r.get::<String, _>(3)
            )
        })
        .collect();
    assert!(dead.is_empty(), "{what}: dead letters: {dead:#?}");
}

/// The lowest checkpoint over every read model, and the list for messages.
pub async fn projection_checkpoints(projector: &Projector) -> (i64, String) {
    let all = projector.checkpoints().await.unwrap();
    let min = all.iter().map(|(_, p, _)| *p).min().unwrap_or(0);
    (min, format!("{all:?}"))
}

/// Order status after each order event (the projections' mapping, restated here as the oracle).
fn status_after(event_type: &str) -> Option<&'static str> {
    Some(match event_type {
        "OrderDraftCreated" => "draft",
        "OrderSubmitted" => "submitted",
        "OrderDraftCancelled" | "OrderCancelled" => "cancelled",
        "OrderAccepted" => "accepted",
        "OrderRejected" => "rejected",
        "OrderPlanned" => "planned",
        "OrderInTransit" => "in_transit",
        "OrderDelivered" => "delivered",
        _ => return None,
    })
}

/// Checks the tenants' dashboard counters (the customers' rows summed, as the dashboard query
/// does) against counts computed straight from the log: orders per status, submissions (per-day
/// rows summed), deliveries. An event applied twice would
/// show here even where a rebuild would hide it in the same way.
pub async fn assert_dashboards_match_log(pool: &PgPool, log: &[RecordedEvent], what: &str) {
    #[derive(Default, Debug, PartialEq)]
    struct Expect {
        by_status: BTreeMap<String, i64>,
        submitted: i64,
        delivered: i64,
    }
    let mut status: HashMap<&str, (&str, &'static str)> = HashMap::new();
    let mut expected: BTreeMap<String, Expect> = BTreeMap::new();
    for e in log {
        let entry = expected.entry(e.tenant.to_string()).or_default();
        match e.event_type.as_str() {
            "OrderSubmitted" => entry.submitted += 1,
            "OrderDelivered" => entry.delivered += 1,
            _ => {}
        }
        if let Some(s) = status_after(&e.event_type) {
            status.insert(e.stream_id.as_str(), (e.tenant.as_str(), s));
        }
    }
    for (tenant, s) in status.values() {
        let by = &mut expected.get_mut(*tenant).unwrap().by_status;
        *by.entry((*s).to_owned()).or_insert(0) += 1;
    }
    let mut actual: BTreeMap<String, Expect> = BTreeMap::new();
    for r in sqlx::query("SELECT tenant, doc FROM rm_dash_customers")
        .fetch_all(pool)
        .await
        .unwrap()
    {
        let doc: Value = serde_json::from_str(&r.get::<String, _>(1)).unwrap();
        let c = &doc["counters"];
        let entry = actual.entry(r.get(0)).or_default();
        for (s, n) in c["orders_by_status"].as_object().unwrap() {
            *entry.by_status.entry(s.clone()).or_insert(0) += n.as_i64().unwrap();
        }
        entry.delivered += c["delivered"].as_i64().unwrap();
    }
    for e in actual.values_mut() {
        e.by_status.retain(|_, n| *n != 0);
    }
    for r in sqlx::query("SELECT tenant, doc FROM rm_dash_customer_days")
        .fetch_all(pool)
        .await
        .unwrap()
    {
        let doc: Value = serde_json::from_str(&r.get::<String, _>(1)).unwrap();
        actual.entry(r.get(0)).or_default().submitted += doc["submitted"].as_i64().unwrap();
    }
    expected.retain(|_, e| *e != Expect::default());
    actual.retain(|_, e| *e != Expect::default());
    assert_eq!(
        actual, expected,
        "{what}: dashboard counters (left) differ from counts over the log (right)"
    );
}

/// Wraps a handler and counts the batches and events it was offered.
#[derive(Clone)]
pub struct Counting<H> {
    pub inner: H,
    pub batches: Arc<AtomicU64>,
    pub events: Arc<AtomicU64>,
}

impl<H> Counting<H> {
    pub fn new(inner: H) -> Self {
        Self {
            inner,
            batches: Arc::default(),
            events: Arc::default(),
        }
    }
    pub fn counts(&self) -> (u64, u64) {
        (
            self.batches.load(Ordering::Relaxed),
            self.events.load(Ordering::Relaxed),
        )
    }
}

impl<H: Handler> Handler for Counting<H> {
    fn name(&self) -> &str {
        self.inner.name()
    }
    fn catch_up_batch(&self) -> u32 {
        self.inner.catch_up_batch()
    }
    async fn checkpoint(&self) -> Result<i64, HandlerError> {
        self.inner.checkpoint().await
    }
    async fn handle(&self, events: &[Positioned]) -> Result<Handled, HandlerError> {
        self.batches.fetch_add(1, Ordering::Relaxed);
        self.events
            .fetch_add(events.len() as u64, Ordering::Relaxed);
        self.inner.handle(events).await
    }
}
