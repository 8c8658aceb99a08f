//! Fixtures written through the real write path (`execute`): carriers, customers with portal
//! access, contacts with access, staff members, submitted and draft orders, login-link requests.

use portal_domain::contact::{Contact, ContactCommand, CustomerFacts};
use portal_domain::customer::{Customer, CustomerCommand, CustomerStatus};
use portal_domain::tenant::{Tenant, TenantCommand};
use portal_domain::user::{LinkPurpose, User, UserCommand};
use portal_domain::values::{Email, Name};
use portal_domain::{Actor, ContactId, CustomerId, LoginRequestId, OrderId, TenantId, UserId};
use portal_eventlog::{CommandContext, Metadata, Store, StreamId, execute};
use uuid::Uuid;

/// The carrier, customer and contact names the fixtures use by default.
pub const CARRIER: &str = "Fast Freight Lines";
pub const CUSTOMER: &str = "Acme Steelworks";
pub const CONTACT_NAME: &str = "Ann Example";

/// The calendar day `offset` days from today (UTC, the tenants' default zone) as `YYYY-MM-DD`:
/// orders must book days from today on, so fixtures cannot use fixed dates.
pub fn day(offset: i64) -> String {
    (time::OffsetDateTime::now_utc().date() + time::Duration::days(offset)).to_string()
}

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
    contact_with_roles(store, t, c, email, &[]).await
}

/// [`contact`] with `roles` (e.g. `operations`, who hear of every order's status).
pub async fn contact_with_roles(
    store: &Store,
    t: &TenantId,
    c: CustomerId,
    email: &str,
    roles: &[portal_domain::contact::ContactRole],
) -> ContactId {
    let id = ContactId(Uuid::now_v7());
    execute::<Contact>(
        store,
        &StreamId::of::<Contact>(id),
        &staff_ctx(t),
        &ContactCommand::AddContact {
            contact_id: id,
            customer_id: c,
            name: Name::parse(CONTACT_NAME).unwrap(),
            email: Email::parse(email).unwrap(),
            phone: None,
            roles: roles.to_vec(),
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
            name: None,
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

/// The carrier, its customer with portal access, and a contact with access: the grant's event id.
pub async fn granted_contact(
    store: &Store,
    slug: &str,
    email: &str,
) -> (TenantId, ContactId, Uuid) {
    let t = tenant(store, slug, CARRIER).await;
    let c = customer(store, &t, CUSTOMER).await;
    let id = contact(store, &t, c, email).await;
    let grant = grant_event(store, id).await;
    (t, id, grant)
}

/// The id of the (last) `ContactAccessGranted` event of contact `id`.
pub async fn grant_event(store: &Store, id: ContactId) -> Uuid {
    store
        .read_stream(&StreamId::of::<Contact>(id))
        .await
        .unwrap()
        .iter()
        .rev()
        .find(|e| e.event_type == "ContactAccessGranted")
        .expect("a ContactAccessGranted event")
        .event_id
}

fn identity_ctx() -> CommandContext {
    CommandContext {
        tenant: TenantId::identity(),
        metadata: Metadata::new(Actor::System),
        idempotency: None,
    }
}

/// Someone asked for a link for `email` (as the API does: register, then request). Returns the
/// id of the `LoginLinkRequested` event.
pub async fn request_link(store: &Store, email: &str, purpose: LinkPurpose) -> Uuid {
    let email = Email::parse(email).unwrap();
    let user_id = UserId::for_email(&email);
    let stream = StreamId::of::<User>(user_id);
    let ctx = identity_ctx();
    execute::<User>(
        store,
        &stream,
        &ctx,
        &UserCommand::RegisterUser {
            user_id,
            email: email.clone(),
        },
    )
    .await
    .unwrap();
    let done = execute::<User>(
        store,
        &stream,
        &ctx,
        &UserCommand::RequestLoginLink {
            request_id: LoginRequestId(Uuid::now_v7()),
            purpose,
        },
    )
    .await
    .unwrap();
    let position = done.append.expect("appended").last_position;
    store
        .read_stream(&stream)
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.position == position)
        .expect("the request event")
        .event_id
}

/// A draft order of customer `c` whose pickup refers to `location` (what makes a location
/// "used by" the customer).
pub async fn draft_using(
    store: &Store,
    t: &TenantId,
    c: portal_domain::CustomerId,
    location: portal_domain::LocationId,
) {
    use portal_domain::order::{Order, OrderCommand};
    use portal_domain::values::{
        AddressInput, ConsignmentInput, GoodsInput, OrderContent, OrderContentInput, Packaging,
        StopInput,
    };
    use portal_domain::{Actor, OrderId, UserId};
    use portal_eventlog::{CommandContext, Metadata, StreamId, execute};
    let stop = |location_id| StopInput {
        location_id,
        address: AddressInput {
            name: "Depot".into(),
            street: "Hafenstraße 1".into(),
            postal_code: "20457".into(),
            city: "Hamburg".into(),
            country: "DE".into(),
            contact_name: None,
            contact_phone: None,
        },
        date: Some(time::macros::date!(2030 - 06 - 05)),
        time_window: None,
        reference: None,
        instructions: None,
    };
    let content = OrderContent::new(OrderContentInput {
        customer_reference: None,
        consignments: vec![ConsignmentInput {
            pickup: stop(Some(location)),
            delivery: stop(None),
            goods: vec![GoodsInput {
                description: "Tiles".into(),
                quantity: Some(1),
                packaging: Some(Packaging::EuroPallet),
                weight_kg: Some(500.0),
                volume_m3: None,
                loading_metres: None,
                pallet_spaces: None,
                stackable: false,
                adr: None,
            }],
        }],
        notes: None,
    })
    .unwrap();
    let id = OrderId(uuid::Uuid::now_v7());
    let ctx = CommandContext {
        tenant: t.clone(),
        metadata: Metadata::new(Actor::PortalUser {
            user_id: UserId(uuid::Uuid::now_v7()),
            customer_id: c,
        }),
        idempotency: None,
    };
    let command = OrderCommand::CreateDraft {
        order_id: id,
        customer_id: c,
        number: format!("D-{id}"),
        content: content.into(),
        // The fixture's dates are fixed: decide as of a day before them.
        today: time::macros::date!(2030 - 06 - 01),
    };
    execute::<Order>(store, &StreamId::of::<Order>(id), &ctx, &command)
        .await
        .unwrap();
}
