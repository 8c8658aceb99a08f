//! Query plans of the order lists that do not depend on statistics (PostgreSQL): with 20,000
//! orders of one customer loaded and never analysed (autovacuum off, as on the measuring
//! machine), the customer's and the tenant's first page are read in index order and stop after
//! the page, without a sort of every match; and the service's statistics pass analyses a read
//! model that grew, once.

use portal_eventlog::testing::Backend;
use portal_projections::ReadDb;
use portal_projections::statistics::analyze_grown;
use portal_testkit::wait_until;
use portal_testkit::with_store;
use std::time::Duration;

/// The read models' tables, and `count` orders of customer `c0` in `rm_orders`.
async fn orders_loaded(url: &str, count: i64) -> ReadDb {
    let db = ReadDb::connect(url, 2).await.unwrap();
    let projections = portal::roles::projections();
    let refs: Vec<&dyn portal_projections::Projection> =
        projections.iter().map(|p| p.as_ref()).collect();
    db.ensure(&refs).await.unwrap();
    sqlx::query(
        "INSERT INTO rm_orders (tenant, key, doc, customer_id, status, created_pos, \
         submitted_pos, via_portal, search) \
         SELECT 'acme', md5(g::text), repeat('x', 700), 'c0', \
         CASE WHEN g % 5 = 1 THEN 'accepted' ELSE 'submitted' END, g * 3, g * 3 + 1, true, \
         'po-' || g FROM generate_series(1, $1) g",
    )
    .bind(count)
    .execute(db.pool())
    .await
    .unwrap();
    db
}

async fn plan(db: &ReadDb, sql: &str) -> String {
    let rows: Vec<(String,)> = sqlx::query_as(&format!("EXPLAIN {sql}"))
        .fetch_all(db.pool())
        .await
        .unwrap();
    rows.into_iter()
        .map(|(l,)| l)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The first page of a list as `orders::list` asks for it.
fn first_page(filter: &str) -> String {
    format!(
        "SELECT o.doc, c.name FROM rm_orders o LEFT JOIN rm_customers c ON c.tenant = o.tenant \
         AND c.key = o.customer_id WHERE o.tenant = 'acme'{filter} \
         ORDER BY o.created_pos DESC, o.key DESC LIMIT 51"
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn order_lists_are_read_in_index_order_without_statistics() {
    with_store(
        Backend::Postgres,
        "order_lists_without_statistics",
        |t| async move {
            let db = orders_loaded(&t.url, 20_000).await;
            let reltuples: f32 =
                sqlx::query_scalar("SELECT reltuples FROM pg_class WHERE relname = 'rm_orders'")
                    .fetch_one(db.pool())
                    .await
                    .unwrap();
            assert!(reltuples < 0.0, "analysed already: {reltuples}");
            for (filter, index) in [
                (
                    " AND o.customer_id = 'c0'",
                    "rm_orders_customer_id_created_pos_key_idx",
                ),
                (
                    " AND o.customer_id = 'c0' AND o.status = 'submitted'",
                    "rm_orders_customer_id_status_created_pos_key_idx",
                ),
                ("", "rm_orders_created_pos_key_idx"),
            ] {
                let plan = plan(&db, &first_page(filter)).await;
                assert!(
                    plan.contains(&format!("Index Scan Backward using {index}")),
                    "{filter}: {plan}"
                );
                assert!(!plan.contains("Sort"), "{filter}: {plan}");
            }
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn grown_read_models_are_analysed_once() {
    with_store(
        Backend::Postgres,
        "grown_read_models_are_analysed",
        |t| async move {
            let db = orders_loaded(&t.url, 2_000).await;
            // The change counts reach the statistics within about a second of the load.
            let db2 = db.clone();
            wait_until("rm_orders analysed", Duration::from_secs(30), move || {
                let db = db2.clone();
                async move {
                    let analysed = analyze_grown(&db).await.unwrap();
                    assert!(
                        analysed.iter().all(|t| t.starts_with("rm_")),
                        "{analysed:?}"
                    );
                    analysed.iter().any(|t| t == "rm_orders")
                }
            })
            .await;
            let reltuples: f32 =
                sqlx::query_scalar("SELECT reltuples FROM pg_class WHERE relname = 'rm_orders'")
                    .fetch_one(db.pool())
                    .await
                    .unwrap();
            assert_eq!(reltuples, 2_000.0);
            let again = analyze_grown(&db).await.unwrap();
            assert!(!again.contains(&"rm_orders".to_owned()), "{again:?}");
        },
    )
    .await;
}
