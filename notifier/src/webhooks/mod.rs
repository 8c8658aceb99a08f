//! Webhooks: signed HTTP deliveries of events to endpoints registered by staff (the tenant's
//! events) or by portal users (their customer's order and charge events), following the
//! Standard Webhooks specification. At least once, in log order per endpoint.
//!
//! Flow, like the emails': the event handler ([`WebhookHandler`], a checkpointed
//! [`portal_eventlog::subscription::Handler`]) inserts one delivery row per (event, endpoint) in
//! the transaction of its checkpoint; the dispatcher ([`run_dispatcher`]) claims due deliveries
//! and sends them. [`run_webhooks`] runs both until cancelled.
//!
//! Layout:
//! - [`store`]: endpoints (scoped by [`store::Owner`]); [`deliveries`]: deliveries and attempts;
//!   [`log`]: the delivery log and *Send again*.
//! - [`handler`]: events → deliveries; [`patterns`]: the event-type patterns of an endpoint.
//! - [`dispatcher`]: sending, retrying, disabling; [`signing`]: secrets and signatures;
//!   [`guard`]: the address guard (SSRF); [`schedule`]: the retry schedule.
//! - [`metrics`]: process-wide counters.
//!
//! Hazards: a secret is a receiver's credential and a URL may carry one too: neither is logged.

pub mod deliveries;
pub mod dispatcher;
pub mod guard;
pub mod handler;
pub mod log;
pub mod metrics;
pub mod patterns;
pub mod schedule;
pub mod signing;
pub mod store;

pub use dispatcher::run_dispatcher;
pub use handler::WebhookHandler;
pub use schedule::Schedule;

use portal_eventlog::Store;
use portal_eventlog::bus::EventBus;
use portal_eventlog::subscription::{RunnerConfig, run_subscription};
use portal_identity::Db;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// Durable bus consumer of the webhooks' handler (processes sharing it share the work).
pub const WEBHOOKS_CONSUMER: &str = "portal-webhooks";

/// Settings of the dispatcher.
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    /// `--webhook-allow-private`: endpoints may be on internal addresses (not cloud metadata).
    pub allow_private: bool,
    /// When failed attempts are retried.
    pub schedule: Schedule,
    /// An endpoint failing this long is disabled (3 days).
    pub disable_after: Duration,
    /// Per attempt (10 s).
    pub timeout: Duration,
    /// How long a claimed delivery stays hidden from other dispatchers: longer than an attempt.
    pub lease: Duration,
    /// The dispatcher's slow poll (it is woken when deliveries are queued or a send ends).
    pub poll: Duration,
    /// Sends at once.
    pub concurrency: usize,
    /// The right-hand side of the Message-IDs of the "endpoint disabled" emails.
    pub message_id_domain: String,
}

impl WebhookConfig {
    pub fn new(message_id_domain: impl Into<String>) -> Self {
        Self {
            allow_private: false,
            schedule: Schedule::default(),
            disable_after: Duration::from_secs(3 * 24 * 3600),
            timeout: Duration::from_secs(10),
            lease: Duration::from_secs(60),
            poll: Duration::from_secs(5),
            concurrency: 32,
            message_id_domain: message_id_domain.into(),
        }
    }
}

/// Runs the webhooks until `cancel`: the handler's subscription (consumer
/// [`WEBHOOKS_CONSUMER`], catching up from the log at start) and the dispatcher.
pub async fn run_webhooks<B: EventBus + 'static>(
    store: Store,
    bus: B,
    db: Db,
    config: WebhookConfig,
    cancel: CancellationToken,
) {
    let wake = Arc::new(Notify::new());
    let handler = WebhookHandler::new(db.clone(), Arc::clone(&wake));
    let subscription = tokio::spawn(run_subscription(
        store,
        bus,
        handler,
        RunnerConfig::new(WEBHOOKS_CONSUMER),
        cancel.clone(),
    ));
    run_dispatcher(db, config, wake, cancel).await;
    if let Err(e) = subscription.await {
        tracing::error!(error = %e, "the webhooks' subscription task failed");
    }
}
