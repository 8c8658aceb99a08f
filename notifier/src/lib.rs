//! The notifier of the portal: emails sent in answer to events, with the login tokens they carry
//! (minted through [`portal_identity::tokens`] when the email is sent).
//!
//! Flow: the event handler ([`Notifier`], a checkpointed
//! [`portal_eventlog::subscription::Handler`]) turns events into rows of the mail outbox, keyed
//! by (event id, email kind, recipient), and moves its checkpoint in the same transaction:
//! handling an event twice (redelivery, restart, replay, rebuild) queues nothing twice.
//! - `ContactAccessGranted` → the welcome email; `LoginLinkRequested` → the login link.
//! - Order status changes → the submitter and the `operations` contacts; a charge awaiting
//!   approval → the submitter and the `invoices` contacts (only where the customer shows
//!   charges); a rejected charge or a decision with a comment → the staff member who asked.
//!   Each recipient's preference decides: at once, in the daily digest (rows `held` until 07:00
//!   in their zone, then folded by [`digest`]), or not at all.
//!
//! The sender ([`run_sender`]) folds due digests, claims due rows, renders and sends them, and
//! marks them sent, skipped, retried with backoff, or dead. [`run_notifier`] runs both until
//! cancelled.
//!
//! Layout:
//! - [`config`]: [`NotifierConfig`] (public URL of links, From/Reply-To, TTL, retries).
//! - [`checkpoint`]: the handlers' places in the log, locked and moved with their writes.
//! - [`handler`]: [`Notifier`], events → outbox rows; [`directory`]: the contacts as seen so
//!   far in the log; [`newsroom`]: order events → news rows, addressed by [`recipients`] (pure
//!   rules); [`news`]: what a news email says; [`digest`]: held rows → daily digests;
//!   [`local`]: digest times and local instants; [`unsubscribe`]: signed one-click links.
//! - [`outbox`]: the `mail_outbox` table: insert, claim, finish, dead letters, counts. It lives
//!   on the durable pool of the identity tables ([`portal_identity::Db`]; both tables are created
//!   by `migrations/*/0003_identity.sql`).
//! - [`sender`]: [`run_sender`], the sending loop; [`compose`]: a claimed row → a message (tokens
//!   are minted there, at send time).
//! - [`render`], [`render_news`]: subjects, plain text and maud HTML of each email; [`message`]: lettre
//!   messages (multipart/alternative, Message-ID `<event id.kind@from domain>`, Date).
//! - [`transport`]: [`Mailer`], SMTP (pooled or one connection per email) or `.eml` files.
//! - [`filebox`]: reads the file transport's emails back for `/dev/mail` (with [`mime`]).
//! - [`metrics`]: process-wide counters; [`error`]: [`NotifierError`].
//! - [`webhooks`]: signed webhook deliveries of events (their own handler, tables and
//!   dispatcher); [`render_webhook`]: the email telling an owner their endpoint was disabled.
//!
//! Logs name event ids, kinds and attempts; never an address, a token or a link.

pub mod checkpoint;
pub mod compose;
pub mod config;
pub mod digest;
pub mod directory;
pub mod error;
pub mod filebox;
pub mod handler;
pub mod local;
pub mod message;
pub mod metrics;
pub mod mime;
pub mod news;
pub mod newsroom;
pub mod outbox;
pub mod recipients;
pub mod render;
pub mod render_news;
pub mod render_webhook;
pub mod sender;
pub mod transport;
pub mod unsubscribe;
pub mod webhooks;

pub use config::NotifierConfig;
pub use error::NotifierError;
pub use handler::Notifier;
pub use sender::run_sender;
pub use transport::{MailError, Mailer};

use portal_eventlog::Store;
use portal_eventlog::bus::EventBus;
use portal_eventlog::subscription::{RunnerConfig, run_subscription};
use portal_identity::Db;
use tokio_util::sync::CancellationToken;

/// Durable bus consumer of the notifier (one per role; processes sharing it share the work).
pub const NOTIFIER_CONSUMER: &str = "portal-notifier";

/// Runs the notifier until `cancel`: the event handler's subscription (consumer
/// [`NOTIFIER_CONSUMER`], catching up from the log at start) and the sender.
pub async fn run_notifier<B: EventBus + 'static>(
    store: Store,
    bus: B,
    db: Db,
    mailer: Mailer,
    config: NotifierConfig,
    cancel: CancellationToken,
) {
    let notifier = Notifier::new(db.clone(), store.clone(), &config);
    let wake = notifier.wake();
    let subscription = tokio::spawn(run_subscription(
        store.clone(),
        bus,
        notifier,
        RunnerConfig::new(NOTIFIER_CONSUMER),
        cancel.clone(),
    ));
    run_sender(store, db, mailer, config, wake, cancel).await;
    if let Err(e) = subscription.await {
        tracing::error!(error = %e, "the notifier's subscription task failed");
    }
}
