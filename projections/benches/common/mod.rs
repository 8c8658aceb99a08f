//! The log the projection benchmarks run on, generated through the domain's own `decide` (so
//! every event is one the aggregates really emit): 200 customers with portal access and shown
//! charges, then orders with a full life (draft → submitted by a portal user → accepted →
//! planned → in transit → delivered, a charge added and approved): 8 events per order.

#![allow(dead_code)] // each benchmark uses part of it

use portal_domain::customer::{Customer, CustomerCommand, CustomerStatus};
use portal_domain::order::{Order, OrderCommand};
use portal_domain::values::{Currency, Money, Name, OrderContent};
use portal_domain::{Actor, Aggregate, ChargeId, CustomerId, OrderId, TenantId, UserId, apply_all};
use portal_eventlog::codec::encode;
use portal_eventlog::{Metadata, NewEvent, Store, StreamId};
use portal_projections::Decoded;
use serde_json::json;
use std::time::{Duration, Instant};
use time::OffsetDateTime;
use uuid::Uuid;

/// The day the generated orders are decided on: before every date they book.
const TODAY: time::Date = time::macros::date!(2026 - 11 - 20);

/// Runs `commands` through `decide` from `state`, each with its metadata; returns the encoded
/// events and the state after them.
fn run<A: Aggregate>(
    mut state: A::State,
    commands: &[(A::Command, &Metadata)],
) -> (Vec<NewEvent>, A::State) {
    let mut out = Vec::new();
    for (command, metadata) in commands {
        let events = A::decide(&state, command).expect("valid command");
        state = apply_all::<A>(&state, &events);
        out.extend(events.iter().map(|e| encode(e, metadata).expect("encode")));
    }
    (out, state)
}

fn content(n: u64) -> OrderContent {
    serde_json::from_value(json!({
        "customer_reference": format!("PO-{n}"),
        "consignments": [{
            "pickup": {
                "address": {"name": "Warehouse Rotterdam", "street": "Waalhaven 1",
                            "postal_code": "3089 JH", "city": "Rotterdam", "country": "NL"},
                "date": "2026-11-26", "time_window": {"from": "08:00", "to": "12:00"}
            },
            "delivery": {
                "address": {"name": "Plant Lyon", "street": "Rue de la Gare 2",
                            "postal_code": "69002", "city": "Lyon", "country": "FR"},
                "date": "2026-11-28", "time_window": {"from": "09:00", "to": "17:00"}
            },
            "goods": [{"description": "Machine parts", "quantity": 12, "packaging": "pallet",
                       "weight_kg": 4800.0, "stackable": false}]
        }]
    }))
    .expect("valid content")
}

/// Appends about `target` events to `store` (8 writers); returns how many.
pub async fn generate(store: &Store, tenant: &TenantId, target: u64) -> u64 {
    let staff = Metadata::new(Actor::Staff {
        user_id: UserId(Uuid::now_v7()),
    });
    let customers: Vec<CustomerId> = (0..200).map(|_| CustomerId(Uuid::now_v7())).collect();
    let mut total = 0;
    for (i, id) in customers.iter().enumerate() {
        let (events, _) = run::<Customer>(
            Default::default(),
            &[
                (
                    CustomerCommand::CreateCustomer {
                        customer_id: *id,
                        name: Name::parse(&format!("Customer {i}")).expect("name"),
                        code: None,
                        status: CustomerStatus::Approved,
                    },
                    &staff,
                ),
                (CustomerCommand::EnablePortalForCustomer, &staff),
                (CustomerCommand::SetShowCharges { show: true }, &staff),
            ],
        );
        total += events.len() as u64;
        store
            .append(tenant, &StreamId::of::<Customer>(id), 0, &events, None)
            .await
            .expect("append");
    }
    let orders = target.saturating_sub(total) / 8;
    let workers = 8;
    let mut tasks = Vec::new();
    for w in 0..workers {
        let (store, tenant, customers, staff) = (
            store.clone(),
            tenant.clone(),
            customers.clone(),
            staff.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut written = 0u64;
            let at = OffsetDateTime::from_unix_timestamp(1_795_000_000).expect("time");
            for n in (w..orders).step_by(workers as usize) {
                let customer_id = customers[(n % customers.len() as u64) as usize];
                let order_id = OrderId(Uuid::now_v7());
                let charge_id = ChargeId(Uuid::now_v7());
                let user = Metadata::new(Actor::PortalUser {
                    user_id: UserId(Uuid::now_v7()),
                    customer_id,
                });
                let (events, _) = run::<Order>(
                    Default::default(),
                    &[
                        (
                            OrderCommand::CreateDraft {
                                order_id,
                                customer_id,
                                number: format!("ORD-{n:08}"),
                                content: content(n).into(),
                                today: TODAY,
                            },
                            &user,
                        ),
                        (
                            OrderCommand::SubmitOrder {
                                location_addresses: vec![],
                                submitted_at: at,
                                today: TODAY,
                            },
                            &user,
                        ),
                        (OrderCommand::AcceptOrder, &staff),
                        (
                            OrderCommand::PlanOrder {
                                planned_at: at + Duration::from_secs(3600),
                            },
                            &staff,
                        ),
                        (
                            OrderCommand::MarkInTransit {
                                at: at + Duration::from_secs(7200),
                            },
                            &staff,
                        ),
                        (
                            OrderCommand::MarkDelivered {
                                delivered_at: at + Duration::from_secs(86_400),
                            },
                            &staff,
                        ),
                        (
                            OrderCommand::AddCharge {
                                charge_id,
                                description: Name::parse("Waiting time").expect("name"),
                                amount: Money::new(4500, Currency::parse("EUR").expect("EUR"))
                                    .expect("money"),
                                request_approval: true,
                            },
                            &staff,
                        ),
                        (
                            OrderCommand::ApproveCharge {
                                charge_id,
                                customer_shows_charges: true,
                                comment: None,
                            },
                            &user,
                        ),
                    ],
                );
                written += events.len() as u64;
                store
                    .append(&tenant, &StreamId::of::<Order>(order_id), 0, &events, None)
                    .await
                    .expect("append");
            }
            written
        }));
    }
    for t in tasks {
        total += t.await.expect("task");
    }
    total
}

/// Events per second of reading the whole log in pages of 5,000 and deserialising every event
/// into its domain enum, nothing else: the baseline of the projection benchmarks.
pub async fn raw_read_rate(store: &Store) -> f64 {
    let started = Instant::now();
    let (mut after, mut read) = (0, 0u64);
    loop {
        let page = store.read_all(after, 5000).await.expect("read");
        let Some(last) = page.last() else { break };
        after = last.position;
        for e in &page {
            if let Decoded::Invalid(reason) = Decoded::of(e) {
                panic!("event {} does not decode: {reason}", e.position);
            }
        }
        read += page.len() as u64;
    }
    read as f64 / started.elapsed().as_secs_f64()
}
