//! Command generators: a deterministic plan of domain commands for one tenant (tenant, customers,
//! contacts, orders through their lifecycle, charges), executed through the real write path
//! (`portal_eventlog::execute`), so the log holds what the portal itself would write.

use portal_domain::contact::{Contact, ContactCommand, ContactRole, CustomerFacts};
use portal_domain::customer::{Customer, CustomerCommand, CustomerStatus};
use portal_domain::order::{Order, OrderCommand};
use portal_domain::tenant::{Tenant, TenantCommand};
use portal_domain::values::{
    AddressInput, ConsignmentInput, Currency, Email, GoodsInput, Money, Name, OrderContent,
    OrderContentInput, Packaging, StopInput, TimeWindowInput,
};
use portal_domain::{Actor, Aggregate, ChargeId, ContactId, CustomerId, OrderId, TenantId, UserId};
use portal_eventlog::{CommandContext, Metadata, Store, StreamId, execute};
use std::fmt::{Debug, Display};
use time::macros::{date, datetime};
use time::{Duration, OffsetDateTime, Time};
use uuid::Uuid;

/// One command of a plan, with its target and its actor.
#[derive(Debug, Clone)]
pub enum Step {
    Tenant(TenantCommand),
    Customer(CustomerId, Actor, CustomerCommand),
    Contact(ContactId, ContactCommand),
    Order(OrderId, Actor, OrderCommand),
}

fn name(s: &str) -> Name {
    Name::parse(s).unwrap()
}

fn staff() -> Actor {
    Actor::Staff {
        user_id: UserId(Uuid::from_u128(0x5747)),
    }
}

fn portal_user(customer_id: CustomerId) -> Actor {
    Actor::PortalUser {
        user_id: UserId(Uuid::from_u128(0x9047)),
        customer_id,
    }
}

fn stop(city: &str, date: time::Date, window_to: Option<Time>) -> StopInput {
    StopInput {
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
        time_window: window_to.map(|to| TimeWindowInput {
            from: Time::MIDNIGHT,
            to,
        }),
        reference: None,
        instructions: None,
    }
}

/// The day the workload's commands are decided on: before every date it books.
const TODAY: time::Date = date!(2025 - 06 - 01);

fn content(reference: &str, n: usize) -> OrderContent {
    let day = date!(2025 - 06 - 05) + Duration::days((n % 9) as i64);
    let window = n
        .is_multiple_of(2)
        .then(|| Time::from_hms(17, 0, 0).unwrap());
    OrderContent::new(OrderContentInput {
        customer_reference: Some(reference.into()),
        consignments: vec![ConsignmentInput {
            pickup: stop("Berlin", day, None),
            delivery: stop("Hamburg", day, window),
            goods: vec![GoodsInput {
                description: "Books".into(),
                quantity: Some(1 + (n % 5) as i64),
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
    .unwrap()
}

/// About `commands` commands for tenant `slug` (exactly that many, cut at the end): the tenant,
/// then customers, each with two contacts and six orders through different lifecycles.
pub fn plan(slug: &str, commands: usize) -> Vec<Step> {
    let tenant = TenantId::parse(slug).unwrap();
    let base = datetime!(2025-06-01 06:00 UTC);
    let mut steps = vec![Step::Tenant(TenantCommand::CreateTenant {
        tenant_id: tenant.clone(),
        name: name(&format!("Carrier {slug}")),
    })];
    let mut n = 0usize;
    let mut c = 0usize;
    while steps.len() < commands {
        c += 1;
        let customer = CustomerId(Uuid::now_v7());
        let cust = |cmd| Step::Customer(customer, staff(), cmd);
        steps.push(cust(CustomerCommand::CreateCustomer {
            customer_id: customer,
            name: name(&format!("Customer {c}")),
            code: Some(format!("C{c}")),
            status: CustomerStatus::Prospect,
        }));
        steps.push(cust(CustomerCommand::ChangeCustomerStatus {
            status: CustomerStatus::Approved,
        }));
        steps.push(cust(CustomerCommand::EnablePortalForCustomer));
        steps.push(cust(CustomerCommand::SetShowCharges { show: true }));
        let facts = CustomerFacts {
            exists: true,
            portal_enabled: true,
        };
        let contacts = [ContactId(Uuid::now_v7()), ContactId(Uuid::now_v7())];
        for (k, contact) in contacts.iter().enumerate() {
            steps.push(Step::Contact(
                *contact,
                ContactCommand::AddContact {
                    contact_id: *contact,
                    customer_id: customer,
                    name: name(&format!("Contact {c}-{k}")),
                    email: Email::parse(&format!("c{c}-{k}@{slug}.example")).unwrap(),
                    phone: None,
                    roles: vec![ContactRole::Orders],
                    portal_access: k == 0,
                    customer: facts,
                    email_in_use: false,
                },
            ));
        }
        steps.push(Step::Contact(
            contacts[1],
            ContactCommand::UpdateContact {
                name: name(&format!("Contact {c}-1 (ops)")),
                email: Email::parse(&format!("ops{c}@{slug}.example")).unwrap(),
                phone: None,
                roles: vec![ContactRole::Operations, ContactRole::Orders],
                email_in_use: false,
            },
        ));
        for _ in 0..6 {
            n += 1;
            order_steps(
                &mut steps,
                customer,
                n,
                base + Duration::hours(n as i64 * 5),
            );
        }
        if c.is_multiple_of(3) {
            steps.push(cust(CustomerCommand::DisablePortalForCustomer));
            steps.push(Step::Contact(
                contacts[0],
                ContactCommand::RevokeContactAccess,
            ));
            steps.push(Step::Contact(contacts[1], ContactCommand::RemoveContact));
        }
    }
    steps.truncate(commands);
    steps
}

fn order_steps(steps: &mut Vec<Step>, customer: CustomerId, n: usize, at: OffsetDateTime) {
    let order = OrderId(Uuid::now_v7());
    let by_portal = n.is_multiple_of(2);
    let submitter = if by_portal {
        portal_user(customer)
    } else {
        staff()
    };
    let mut push = |actor: &Actor, cmd| steps.push(Step::Order(order, actor.clone(), cmd));
    push(
        &submitter,
        OrderCommand::CreateDraft {
            order_id: order,
            customer_id: customer,
            number: format!("ORD-{n}"),
            content: content(&format!("ref {n}"), n).into(),
            today: TODAY,
        },
    );
    if n % 6 == 5 {
        push(&submitter, OrderCommand::CancelDraft);
        return;
    }
    if n.is_multiple_of(6) {
        push(
            &submitter,
            OrderCommand::UpdateDraft {
                content: content(&format!("ref {n} (edited)"), n + 1).into(),
                today: TODAY,
            },
        );
        return;
    }
    push(
        &submitter,
        OrderCommand::SubmitOrder {
            location_addresses: vec![],
            submitted_at: at,
            today: TODAY,
        },
    );
    let staff = staff();
    match n % 6 {
        2 => {
            push(&staff, OrderCommand::AcceptOrder);
            push(&staff, OrderCommand::PlanOrder { planned_at: at });
            push(&staff, OrderCommand::MarkInTransit { at });
            push(
                &staff,
                OrderCommand::MarkDelivered {
                    delivered_at: at + Duration::days((n % 5) as i64),
                },
            );
        }
        3 => push(
            &staff,
            OrderCommand::RejectOrder {
                reason: "no capacity".into(),
            },
        ),
        4 => {
            push(&staff, OrderCommand::AcceptOrder);
            let charge = ChargeId(Uuid::now_v7());
            let euro = Currency::parse("EUR").unwrap();
            push(
                &staff,
                OrderCommand::AddCharge {
                    charge_id: charge,
                    description: name("Waiting time"),
                    amount: Money::new(4500 + n as i64, euro).unwrap(),
                    request_approval: true,
                },
            );
            if n.is_multiple_of(4) {
                push(
                    &portal_user(customer),
                    OrderCommand::ApproveCharge {
                        charge_id: charge,
                        customer_shows_charges: true,
                        comment: Some("ok".into()),
                    },
                );
            }
        }
        _ => {}
    }
}

async fn run<A: Aggregate>(
    store: &Store,
    tenant: &TenantId,
    id: impl Display,
    actor: Actor,
    command: &A::Command,
) where
    A::Command: Debug,
{
    let stream = StreamId::of::<A>(id);
    let ctx = CommandContext {
        tenant: tenant.clone(),
        metadata: Metadata::new(actor),
        idempotency: None,
    };
    if let Err(e) = execute::<A>(store, &stream, &ctx, command).await {
        panic!("workload command {command:?} on {stream} failed: {e}");
    }
}

/// Executes `steps` in order for tenant `slug`; returns how many were executed.
pub async fn execute_plan(store: &Store, slug: &str, steps: &[Step]) -> usize {
    let tenant = TenantId::parse(slug).unwrap();
    for step in steps {
        match step {
            Step::Tenant(cmd) => run::<Tenant>(store, &tenant, &tenant, Actor::Operator, cmd).await,
            Step::Customer(id, actor, cmd) => {
                run::<Customer>(store, &tenant, id, actor.clone(), cmd).await
            }
            Step::Contact(id, cmd) => run::<Contact>(store, &tenant, id, staff(), cmd).await,
            Step::Order(id, actor, cmd) => {
                run::<Order>(store, &tenant, id, actor.clone(), cmd).await
            }
        }
    }
    steps.len()
}

/// Runs one task per tenant of `slugs`, each executing `commands` commands concurrently with the
/// others; returns the total number of commands once every task is done.
pub fn spawn_workload(
    store: &Store,
    slugs: &[String],
    commands: usize,
) -> tokio::task::JoinHandle<usize> {
    let tasks: Vec<_> = slugs
        .iter()
        .map(|slug| {
            let (store, slug) = (store.clone(), slug.clone());
            tokio::spawn(async move { execute_plan(&store, &slug, &plan(&slug, commands)).await })
        })
        .collect();
    tokio::spawn(async move {
        let mut total = 0;
        for t in tasks {
            total += t.await.expect("a workload task panicked");
        }
        total
    })
}

/// `n` fresh tenant slugs (unique per test run, so subjects never collide).
pub fn tenant_slugs(n: usize) -> Vec<String> {
    let run = Uuid::new_v4().simple().to_string();
    (0..n).map(|i| format!("t{}-{i}", &run[..8])).collect()
}
