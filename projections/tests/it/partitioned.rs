//! Projectors owning disjoint partitions apply at the same time: one holding its checkpoint rows
//! does not stop the other, and together they build exactly what one projector over the whole
//! log builds (every read model, counters summed over partitions included), each event applied
//! once.

use crate::models_support::*;
use portal_domain::order::OrderStatus;
use portal_domain::{CustomerId, TenantId};
use portal_eventlog::testing::{Backend, with_store};
use portal_projections::accounts::customer_partitions;
use portal_projections::models::dashboards as dash;
use portal_projections::models::{self, Scope, orders};
use portal_projections::partitions::{Partitions, partition_of};
use portal_projections::{Projector, ReadDb};
use std::collections::BTreeSet;
use time::macros::{date, datetime};

const PARTITIONS: u16 = 4;

const CUSTOMERS: u128 = 8;

fn customers() -> Vec<CustomerId> {
    (1..=CUSTOMERS).map(id).collect()
}

/// Orders of several customers (so every partition gets some), half submitted.
async fn write_orders(w: &mut Writer, acme: &TenantId) {
    for (n, c) in customers().into_iter().enumerate() {
        order_customer(w, acme, c, &format!("Customer {n}"), n % 2 == 0).await;
    }
    for n in 0..40_u128 {
        let o = 1000 + n;
        let customer: CustomerId = id(1 + n % CUSTOMERS);
        let mut events = vec![created(o, customer, &format!("N-{n}"), &format!("R-{n}"))];
        if n % 2 == 0 {
            events.push(submitted(
                o,
                &format!("R-{n}"),
                datetime!(2025-06-02 10:00 UTC),
            ));
        }
        order(w, acme, o, &portal_user(customer), &events).await;
    }
}

/// The read-model database with [`PARTITIONS`], every read model and checkpoint dropped.
async fn from_nothing(url: &str) -> ReadDb {
    let db = ReadDb::connect(url, 4)
        .await
        .unwrap()
        .with_partitions(PARTITIONS);
    let tables: Vec<String> =
        sqlx::query_scalar("SELECT tablename::text FROM pg_tables WHERE tablename LIKE 'rm\\_%'")
            .fetch_all(db.pool())
            .await
            .unwrap();
    assert!(tables.len() > 5, "{tables:?}");
    for table in tables {
        sqlx::query(&format!("DROP TABLE {table}"))
            .execute(db.pool())
            .await
            .unwrap();
    }
    sqlx::query("DELETE FROM projection_checkpoints")
        .execute(db.pool())
        .await
        .unwrap();
    db
}

/// What a reader scoped to customer `c` sees of the orders.
async fn customer_figures(db: &ReadDb, acme: &TenantId, c: CustomerId) -> Vec<String> {
    let counts = orders::counts_by_status(db, acme, Scope::Customer(c))
        .await
        .unwrap();
    let dashboard = dash::customer(db, acme, c, date!(2025 - 06 - 03))
        .await
        .unwrap();
    vec![format!("{counts:?}"), format!("{dashboard:?}")]
}

async fn figures(db: &ReadDb, acme: &TenantId) -> Vec<String> {
    let today = date!(2025 - 06 - 03);
    let mut out = Vec::new();
    for c in customers() {
        let counts = orders::counts_by_status(db, acme, Scope::Customer(c))
            .await
            .unwrap();
        out.push(format!("{c} {counts:?}"));
        out.push(format!(
            "{c} {:?}",
            dash::customer(db, acme, c, today).await.unwrap()
        ));
    }
    out.push(format!(
        "{:?}",
        dash::tenant(db, acme, today).await.unwrap()
    ));
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn projectors_of_disjoint_partitions_apply_at_once_and_agree_with_one() {
    with_store(Backend::Postgres, "partitioned_projectors", |t| async move {
        let acme = tenant("acme");
        let mut w = Writer::new(&t.store);
        write_orders(&mut w, &acme).await;
        // Partitions go by customer account.
        let spread: BTreeSet<u16> = customers()
            .iter()
            .map(|c| partition_of(&c.to_string(), PARTITIONS))
            .collect();
        assert_eq!(spread.len(), usize::from(PARTITIONS), "every partition has customers");

        // The reference: one projector, one partition, in its own database.
        let (single_db, single) = read_db(&t).await;
        project(&single, &t.store).await;
        let expected = figures(&single_db, &acme).await;

        // The same log again from nothing: four partitions, two projectors.
        let db = from_nothing(&t.url).await;
        let first = Projector::new(db.clone(), models::all())
            .with_partitions(Partitions::fixed(PARTITIONS, vec![0, 1]))
            .with_log(t.store.clone());
        let second = Projector::new(db.clone(), models::all())
            .with_partitions(Partitions::fixed(PARTITIONS, vec![2, 3]))
            .with_log(t.store.clone());
        first.ensure().await.unwrap();

        // The first projector is mid-batch: it holds its checkpoint rows.
        let mut held = db.pool().begin().await.unwrap();
        sqlx::query(
            "SELECT position FROM projection_checkpoints WHERE partition_no IN (0, 1) FOR UPDATE",
        )
        .fetch_all(&mut *held)
        .await
        .unwrap();
        // The second applies its partitions all the same, without waiting.
        tokio::time::timeout(std::time::Duration::from_secs(20), second.apply_log(&t.store))
            .await
            .expect("the second projector waited for the first one's locks")
            .unwrap();
        let moved: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM projection_checkpoints WHERE partition_no IN (2, 3) AND position > 0",
        )
        .fetch_one(db.pool())
        .await
        .unwrap();
        assert_eq!(moved, 2 * models::all().len() as i64);
        held.rollback().await.unwrap();

        // Both at once, twice over (a redelivery): nothing counted twice.
        let (a, b) = tokio::join!(first.apply_log(&t.store), second.apply_log(&t.store));
        a.unwrap();
        b.unwrap();
        let (a, b) = tokio::join!(first.apply_log(&t.store), second.apply_log(&t.store));
        a.unwrap();
        b.unwrap();
        assert_eq!(figures(&db, &acme).await, expected);
        let drafts = orders::counts_by_status(&db, &acme, Scope::Tenant)
            .await
            .unwrap()
            .get(OrderStatus::Draft);
        assert_eq!(drafts, 20);
    })
    .await;
}

/// Read-your-writes of a customer's reader waits only for [`customer_partitions`]: those hold
/// every row it can see. A projector owning only them builds the customer's figures exactly as
/// one projector over the whole log does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customers_rows_are_all_in_its_customer_partitions() {
    with_store(Backend::Postgres, "customer_partitions", |t| async move {
        let acme = tenant("acme");
        let mut w = Writer::new(&t.store);
        write_orders(&mut w, &acme).await;
        let (single_db, single) = read_db(&t).await;
        project(&single, &t.store).await;
        let mut expected = Vec::new();
        for c in customers().into_iter().take(3) {
            expected.push((c, customer_figures(&single_db, &acme, c).await));
        }
        for (c, expected) in expected {
            let owned = customer_partitions(&acme, c, PARTITIONS);
            assert!(owned.len() < usize::from(PARTITIONS), "{owned:?}");
            let db = from_nothing(&t.url).await;
            let projector = Projector::new(db.clone(), models::all())
                .with_partitions(Partitions::fixed(PARTITIONS, owned))
                .with_log(t.store.clone());
            projector.ensure().await.unwrap();
            projector.apply_log(&t.store).await.unwrap();
            assert_eq!(customer_figures(&db, &acme, c).await, expected, "{c}");
        }
    })
    .await;
}
