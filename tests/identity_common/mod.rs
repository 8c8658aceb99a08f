//! Shared fixtures of the identity end-to-end tests: carriers, customers with portal access and
//! contacts, created through the real write path (`execute`), and waits on the notifier.
#![allow(dead_code, clippy::unwrap_used)]

use portal_domain::contact::{Contact, ContactCommand, CustomerFacts};
use portal_domain::customer::{Customer, CustomerCommand, CustomerStatus};
use portal_domain::tenant::{Tenant, TenantCommand};
use portal_domain::values::{Email, Name};
use portal_domain::{Actor, ContactId, CustomerId, OrderId, TenantId, UserId};
use portal_eventlog::{CommandContext, Metadata, Store, StreamId, execute};
use std::time::Duration;
use uuid::Uuid;

pub fn staff_ctx(tenant: &TenantId) -> CommandContext {
    CommandContext {
        tenant: tenant.clone(),
        metadata: Metadata::new(Actor::Staff {
            user_id: UserId(Uuid::now_v7()),
        }),
        idempotency: None,
    }
}

pub async fn tenant(store: &Store, slug: &str, name: &str) -> TenantId {
    let t = TenantId::parse(slug).unwrap();
    execute::<Tenant>(
        store,
        &StreamId::of::<Tenant>(&t),
        &staff_ctx(&t),
        &TenantCommand::CreateTenant {
            tenant_id: t.clone(),
            name: Name::parse(name).unwrap(),
        },
    )
    .await
    .unwrap();
    t
}

/// A customer with *Access to Customer Portal* on.
pub async fn customer(store: &Store, t: &TenantId, name: &str) -> CustomerId {
    let id = CustomerId(Uuid::now_v7());
    let stream = StreamId::of::<Customer>(id);
    for command in [
        CustomerCommand::CreateCustomer {
            customer_id: id,
            name: Name::parse(name).unwrap(),
            code: None,
            status: CustomerStatus::Approved,
        },
        CustomerCommand::EnablePortalForCustomer,
    ] {
        execute::<Customer>(store, &stream, &staff_ctx(t), &command)
            .await
            .unwrap();
    }
    id
}

pub async fn set_portal(store: &Store, t: &TenantId, c: CustomerId, enabled: bool) {
    let command = if enabled {
        CustomerCommand::EnablePortalForCustomer
    } else {
        CustomerCommand::DisablePortalForCustomer
    };
    execute::<Customer>(store, &StreamId::of::<Customer>(c), &staff_ctx(t), &command)
        .await
        .unwrap();
}

const PORTAL_ON: CustomerFacts = CustomerFacts {
    exists: true,
    portal_enabled: true,
};

/// A contact of `c` with portal access (the welcome email's trigger).
pub async fn contact(store: &Store, t: &TenantId, c: CustomerId, email: &str) -> ContactId {
    let id = ContactId(Uuid::now_v7());
    execute::<Contact>(
        store,
        &StreamId::of::<Contact>(id),
        &staff_ctx(t),
        &ContactCommand::AddContact {
            contact_id: id,
            customer_id: c,
            name: Name::parse("Ann Example").unwrap(),
            email: Email::parse(email).unwrap(),
            phone: None,
            roles: vec![],
            portal_access: true,
            customer: PORTAL_ON,
            email_in_use: false,
        },
    )
    .await
    .unwrap();
    id
}

pub async fn revoke(store: &Store, t: &TenantId, id: ContactId) {
    execute::<Contact>(
        store,
        &StreamId::of::<Contact>(id),
        &staff_ctx(t),
        &ContactCommand::RevokeContactAccess,
    )
    .await
    .unwrap();
}

pub async fn grant(store: &Store, t: &TenantId, id: ContactId) {
    execute::<Contact>(
        store,
        &StreamId::of::<Contact>(id),
        &staff_ctx(t),
        &ContactCommand::GrantContactAccess {
            customer: PORTAL_ON,
        },
    )
    .await
    .unwrap();
}

/// Polls `check` every 100 ms until it is true, panicking with `what` after `timeout`.
pub async fn wait_until<F, Fut>(what: &str, timeout: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if check().await {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The notifier's checkpoint (0 before it ran).
pub async fn notifier_position(url: &str) -> i64 {
    let db = portal_identity::Db::connect(url, 2).await.unwrap();
    let (position,): (i64,) =
        sqlx::query_as("SELECT COALESCE(MAX(position), 0) FROM notifier_checkpoints")
            .fetch_one(db.pool())
            .await
            .unwrap();
    position
}

/// The position of the newest committed event this test can see. Not
/// `Store::head_position`: on PostgreSQL that stops below any transaction still open (the read
/// horizon), so right after our own appends it can leave them out while, say, a projector's
/// batch is open, and a wait on it would return before our events were handled.
pub async fn newest_position(_store: &Store, url: &str) -> i64 {
    let db = portal_identity::Db::connect(url, 1).await.unwrap();
    let (head,): (i64,) = sqlx::query_as("SELECT COALESCE(MAX(position), 0) FROM events")
        .fetch_one(db.pool())
        .await
        .unwrap();
    head
}

/// Waits until the notifier has handled every event up to the log's head.
pub async fn wait_notifier_caught_up(store: &Store, url: &str) {
    let head = newest_position(store, url).await;
    wait_until(
        "the notifier to reach the head",
        Duration::from_secs(30),
        || async { notifier_position(url).await >= head },
    )
    .await;
}

/// Waits until every projection of the server's in-process projector has handled the log up to
/// its current head (the read models answer scopes and orders from there).
pub async fn wait_projected(store: &Store, url: &str) {
    let head = newest_position(store, url).await;
    let db = portal_identity::Db::connect(url, 2).await.unwrap();
    wait_until(
        "the projections to reach the head",
        Duration::from_secs(30),
        || async {
            let (count, min): (i64, i64) = sqlx::query_as(
                "SELECT COUNT(*), COALESCE(MIN(position), 0) FROM projection_checkpoints",
            )
            .fetch_one(db.pool())
            .await
            .unwrap();
            count > 0 && min >= head
        },
    )
    .await;
}

/// Makes `email` staff of `t` (what `portal staff add` does).
pub async fn staff_member(store: &Store, t: &TenantId, email: &str) {
    let email = Email::parse(email).unwrap();
    execute::<Tenant>(
        store,
        &StreamId::of::<Tenant>(t),
        &staff_ctx(t),
        &TenantCommand::AddStaffMember {
            user_id: UserId::for_email(&email),
            email,
        },
    )
    .await
    .unwrap();
}

/// An order of customer `c`, drafted and submitted by one of its portal users.
pub async fn submitted_order(store: &Store, t: &TenantId, c: CustomerId, number: &str) -> OrderId {
    submitted_order_on(store, t, c, number, time::macros::date!(2030 - 06 - 05)).await
}

/// Like [`submitted_order`], both stops on `date`.
pub async fn submitted_order_on(
    store: &Store,
    t: &TenantId,
    c: CustomerId,
    number: &str,
    date: time::Date,
) -> OrderId {
    use portal_domain::order::{Order, OrderCommand};
    use portal_domain::values::{
        AddressInput, ConsignmentInput, GoodsInput, OrderContent, OrderContentInput, Packaging,
        StopInput,
    };
    let stop = |city: &str| StopInput {
        location_id: None,
        address: AddressInput {
            name: format!("Depot {city}"),
            street: "Industriestraße 5".into(),
            postal_code: "10115".into(),
            city: city.into(),
            country: "DE".into(),
            contact_name: None,
            contact_phone: None,
        },
        date: Some(date),
        time_window: None,
        reference: None,
        instructions: None,
    };
    let content = OrderContent::new(OrderContentInput {
        customer_reference: Some(format!("ref {number}")),
        consignments: vec![ConsignmentInput {
            pickup: stop("Berlin"),
            delivery: stop("Hamburg"),
            goods: vec![GoodsInput {
                description: "Books".into(),
                quantity: Some(2),
                packaging: Some(Packaging::EuroPallet),
                weight_kg: Some(800.0),
                volume_m3: None,
                loading_metres: None,
                pallet_spaces: None,
                stackable: true,
                adr: None,
            }],
        }],
        notes: None,
    })
    .unwrap();
    let id = OrderId(Uuid::now_v7());
    let ctx = CommandContext {
        tenant: t.clone(),
        metadata: Metadata::new(Actor::PortalUser {
            user_id: UserId(Uuid::now_v7()),
            customer_id: c,
        }),
        idempotency: None,
    };
    for command in [
        OrderCommand::CreateDraft {
            order_id: id,
            customer_id: c,
            number: number.to_owned(),
            content: content.into(),
            // The fixture's dates are fixed: decide as of a day before them.
            today: time::macros::date!(2030 - 06 - 01),
        },
        OrderCommand::SubmitOrder {
            location_addresses: vec![],
            submitted_at: time::OffsetDateTime::now_utc(),
            today: time::macros::date!(2030 - 06 - 01),
        },
    ] {
        execute::<Order>(store, &StreamId::of::<Order>(id), &ctx, &command)
            .await
            .unwrap();
    }
    id
}
