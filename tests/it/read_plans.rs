//! Query plans of the order lists that do not depend on statistics (PostgreSQL): with 20,000
//! orders of one customer loaded and never analysed (autovacuum off, as on the measuring
//! machine), the customer's and the tenant's first page are read in index order and stop after
//! the page, without a sort of every match; and the service's statistics pass analyses a table
//! that grew (a read model, or one of the notifier's), once, so that plans made on the empty
//! table are made again.

use portal_eventlog::testing::Backend;
use portal_projections::ReadDb;
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
    let mut conn = db.pool().acquire().await.unwrap();
    plan_on(&mut conn, sql).await
}

/// The plan of `sql` on `conn` (where the statements prepared on it are known).
async fn plan_on(conn: &mut sqlx::AnyConnection, sql: &str) -> String {
    let rows: Vec<(String,)> = sqlx::query_as(&format!("EXPLAIN {sql}"))
        .fetch_all(&mut *conn)
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
            let store = t.store.clone();
            wait_until("rm_orders analysed", Duration::from_secs(30), move || {
                let store = store.clone();
                async move {
                    let analysed = store.analyze_grown().await.unwrap();
                    assert!(
                        analysed.iter().all(|t| !t.ends_with("__rebuild")),
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
            let again = t.store.analyze_grown().await.unwrap();
            assert!(!again.contains(&"rm_orders".to_owned()), "{again:?}");
        },
    )
    .await;
}

/// A plan made while a table was empty is kept until the table is analysed: the notifier's
/// one-row update of a contact, planned on the empty `notifier_contacts`, scanned every contact
/// through the index on the handler alone. The statistics pass covers the service's own tables
/// as well as the read models, and its `ANALYZE` makes the plan again.
#[tokio::test(flavor = "multi_thread")]
async fn plans_made_on_an_empty_table_are_made_again_once_it_grew() {
    with_store(
        Backend::Postgres,
        "plans_made_on_an_empty_table",
        |t| async move {
            let db = ReadDb::connect(&t.url, 2).await.unwrap();
            let mut conn = db.pool().acquire().await.unwrap();
            for sql in [
                "SET plan_cache_mode = force_generic_plan",
                "PREPARE set_access(bigint, text, text) AS UPDATE notifier_contacts \
                 SET access = $1 WHERE handler = $2 AND contact_id = $3",
            ] {
                sqlx::query(sql).execute(&mut *conn).await.unwrap();
            }
            let execute = "EXECUTE set_access(1, 'notifier', 'c-1')";
            let before = plan_on(&mut conn, execute).await;
            // The hazard itself (PostgreSQL 15 breaks the tie of equal costs this way).
            assert!(!before.contains("notifier_contacts_pkey"), "{before}");
            sqlx::query(
                "INSERT INTO notifier_contacts (handler, contact_id, tenant, customer_id, \
                 user_id, name, email, roles, access, order_status, charge_approval) \
                 SELECT 'notifier', 'c-' || g, 'acme', 'k-' || (g / 20), 'u-' || g, 'Name', \
                 'n' || g || '@example.com', 'orders', 1, 'all', 'all' \
                 FROM generate_series(1, 2000) g",
            )
            .execute(db.pool())
            .await
            .unwrap();
            let store = t.store.clone();
            wait_until(
                "notifier_contacts analysed",
                Duration::from_secs(30),
                move || {
                    let store = store.clone();
                    async move {
                        let analysed = store.analyze_grown().await.unwrap();
                        analysed.iter().any(|t| t == "notifier_contacts")
                    }
                },
            )
            .await;
            let after = plan_on(&mut conn, execute).await;
            assert!(
                after.contains("Index Scan using notifier_contacts_pkey"),
                "{after}"
            );
        },
    )
    .await;
}
