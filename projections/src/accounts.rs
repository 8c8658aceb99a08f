//! Which account an event belongs to, for partitioning: the customer it concerns, or else its
//! tenant (carrier-wide streams: the tenant, staff, users, carrier locations).
//!
//! A customer's streams (the customer, its contacts, orders, locations and printer settings)
//! share the customer's partition, so read-model rows that combine them (a contact row copies
//! its customer's name; a customer's counters sum its orders) are written by one partition, in
//! log order, exactly as a rebuild writes them.
//!
//! Most events name their customer. Those that do not (an order's events after its creation, a
//! location's after its addition) take their stream's account, learnt from the stream's first
//! event: seen earlier in the feed (every process reads every event in log order), else read
//! from the log once and remembered.

use crate::event::Decoded;
use portal_domain::location::LocationEvent;
use portal_domain::order::OrderEvent;
use portal_domain::printer::PrinterConfigEvent;
use portal_domain::{CustomerId, TenantId};
use portal_eventlog::{RecordedEvent, Store, StoreError, StreamId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

/// Streams remembered at most; past it the memory starts over (and refills from the feed or,
/// for the few streams that need it, the log).
const REMEMBERED: usize = 200_000;

/// How a projection splits its work (see [`crate::partitions`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartitionBy {
    /// By customer account (the default): rows of one customer are written by one partition.
    Account,
    /// By tenant: for read models whose rows combine several customers' events (a carrier
    /// location lists every customer that used it).
    Tenant,
}

/// The account named by the event itself, if it names one: `Some(customer id)` or
/// `Some(tenant)` for carrier-wide events; `None` when only the stream's first event tells.
pub(crate) fn named_account(recorded: &RecordedEvent, decoded: &Decoded) -> Option<String> {
    let customer = match decoded {
        Decoded::Customer(e) => Some(e.customer_id()),
        Decoded::Contact(e) => Some(e.customer_id()),
        Decoded::Printer(PrinterConfigEvent::PrinterConfigSet { customer_id, .. }) => {
            Some(*customer_id)
        }
        Decoded::Order(OrderEvent::OrderDraftCreated { customer_id, .. }) => Some(*customer_id),
        Decoded::Order(_) => return None,
        Decoded::Location(LocationEvent::LocationAdded { owner, .. }) => owner.customer_id(),
        Decoded::Location(_) => return None,
        // Tenants, staff, users; and what this build cannot read.
        Decoded::Tenant(_) | Decoded::User(_) | Decoded::Unknown | Decoded::Invalid(_) => None,
    };
    Some(customer.map_or_else(|| tenant_account(recorded), |c| c.to_string()))
}

fn tenant_account(recorded: &RecordedEvent) -> String {
    tenant_key(&recorded.tenant)
}

/// The account of a tenant's carrier-wide events.
fn tenant_key(tenant: &TenantId) -> String {
    format!("tenant:{tenant}")
}

/// The partitions, among `count`, that hold every row a reader scoped to `customer` of `tenant`
/// can see: the customer's own (its orders, contacts, locations, printers) and its tenant's
/// (carrier-wide rows: users, carrier locations, and every projection split by tenant). One or
/// two partitions, in increasing order.
pub fn customer_partitions(tenant: &TenantId, customer: CustomerId, count: u16) -> Vec<u16> {
    let of = |key: &str| crate::partitions::partition_of(key, count);
    let mut out = vec![of(&customer.to_string()), of(&tenant_key(tenant))];
    out.sort_unstable();
    out.dedup();
    out
}

/// The partitions of a batch's events, hashed once per event for both ways of splitting.
pub(crate) struct EventPartitions {
    account: Vec<u16>,
    tenant: Vec<u16>,
}

impl EventPartitions {
    /// Each event's partition for a projection split `by`.
    pub(crate) fn by(&self, by: PartitionBy) -> &[u16] {
        match by {
            PartitionBy::Account => &self.account,
            PartitionBy::Tenant => &self.tenant,
        }
    }
}

/// The accounts of streams seen so far. Cheap to clone (shared).
#[derive(Debug, Clone, Default)]
pub struct Accounts {
    known: Arc<Mutex<HashMap<String, String>>>,
}

impl Accounts {
    /// The partition of each event of `events` (with its decoded form) among `count`, by
    /// account and by tenant. With one partition every event is in 0 and nothing is looked up.
    pub(crate) async fn partitions(
        &self,
        count: u16,
        events: &[(&RecordedEvent, &Decoded)],
        log: Option<&Store>,
    ) -> Result<EventPartitions, StoreError> {
        if count <= 1 {
            return Ok(EventPartitions {
                account: vec![0; events.len()],
                tenant: vec![0; events.len()],
            });
        }
        let accounts = self.resolve(events, log).await?;
        let of = |key: &str| crate::partitions::partition_of(key, count);
        Ok(EventPartitions {
            account: accounts.iter().map(|a| of(a)).collect(),
            tenant: events.iter().map(|(r, _)| of(&tenant_account(r))).collect(),
        })
    }

    /// The account of each event of `events`, in order. Streams whose account neither the
    /// event nor memory tells are looked up in `log` (their first events, one query); without a
    /// log (or a stream without a first event) they count as their tenant's.
    async fn resolve(
        &self,
        events: &[(&RecordedEvent, &Decoded)],
        log: Option<&Store>,
    ) -> Result<Vec<String>, StoreError> {
        let mut out: Vec<Option<String>> = Vec::with_capacity(events.len());
        let mut missing: Vec<StreamId> = Vec::new();
        {
            let mut known = self.known.lock().unwrap_or_else(PoisonError::into_inner);
            if known.len() > REMEMBERED {
                known.clear();
            }
            for (recorded, decoded) in events {
                let stream = recorded.stream_id.as_str();
                let account = match named_account(recorded, decoded) {
                    Some(a) => {
                        if recorded.version == 1 {
                            known.insert(stream.to_owned(), a.clone());
                        }
                        Some(a)
                    }
                    None => known.get(stream).cloned(),
                };
                if account.is_none() && !missing.contains(&recorded.stream_id) {
                    missing.push(recorded.stream_id.clone());
                }
                out.push(account);
            }
        }
        if !missing.is_empty()
            && let Some(log) = log
        {
            let firsts = log.first_events(&missing).await?;
            let mut known = self.known.lock().unwrap_or_else(PoisonError::into_inner);
            for first in &firsts {
                if let Some(a) = named_account(first, &Decoded::of(first)) {
                    known.insert(first.stream_id.as_str().to_owned(), a);
                }
            }
            for (slot, (recorded, _)) in out.iter_mut().zip(events) {
                if slot.is_none() {
                    *slot = known.get(recorded.stream_id.as_str()).cloned();
                }
            }
        }
        Ok(out
            .into_iter()
            .zip(events)
            .map(|(a, (recorded, _))| a.unwrap_or_else(|| tenant_account(recorded)))
            .collect())
    }
}
