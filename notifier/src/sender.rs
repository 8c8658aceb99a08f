//! The sender: claims due outbox rows, renders and sends them, and records the outcome.
//!
//! - Welcome emails take the carrier's, the customer's and the contact's names from the event
//!   log at send time (neutral text when missing); a grant revoked before its email could go
//!   out is skipped.
//! - Login-link emails mint their token at send time ([`tokens::mint`]), so the raw token only
//!   ever exists in memory and in the email. A request older than the token TTL, or superseded
//!   by a newer one, is skipped: no dead links are sent.
//! - A failed try is retried after [`NotifierConfig::backoff`]; after `max_attempts` the row is
//!   dead (see [`outbox::dead_letters`]).

use crate::config::NotifierConfig;
use crate::error::NotifierError;
use crate::message;
use crate::metrics;
use crate::outbox::{self, Claimed, Finish, MailContext};
use crate::render;
use crate::transport::{Mailer, redact_addresses};
use futures::StreamExt as _;
use lettre::Message;
use portal_domain::contact::{Contact, ContactEvent};
use portal_domain::customer::Customer;
use portal_domain::tenant::Tenant;
use portal_domain::user::LinkPurpose;
use portal_domain::values::Email;
use portal_domain::{ContactId, CustomerId, TenantId};
use portal_eventlog::executor::load;
use portal_eventlog::{ExecuteError, Store, StreamId};
use portal_identity::Db;
use portal_identity::db::from_millis;
use portal_identity::tokens::{self, MintRequest, Minted};
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use time::OffsetDateTime;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, instrument, warn};

/// Why a welcome email was not sent.
pub const REVOKED: &str = "access was revoked before the email could be sent";
/// Why a login link was not sent.
pub const EXPIRED: &str = "expired before it could be sent";
/// Why a login link was not sent.
pub const SUPERSEDED: &str = "superseded by a newer link request";

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PassReport {
    pub claimed: usize,
    pub sent: usize,
    pub skipped: usize,
    pub retried: usize,
    pub dead: usize,
}

/// Sends due emails until `cancel`: a pass whenever `wake` is signalled (the event handler
/// queued emails), a retry falls due, or `config.poll` has passed.
#[instrument(skip_all, fields(mailer = %mailer.describe()))]
pub async fn run_sender(
    store: Store,
    db: Db,
    mailer: Mailer,
    config: NotifierConfig,
    wake: Arc<Notify>,
    cancel: CancellationToken,
) {
    let mut failures = 0u32;
    while !cancel.is_cancelled() {
        let wait = match send_due(&store, &db, &mailer, &config).await {
            Ok(report) if report.claimed >= config.batch as usize => Duration::ZERO,
            Ok(_) => {
                failures = 0;
                until_next_due(&db, config.poll).await
            }
            Err(e) => {
                failures = failures.saturating_add(1);
                warn!(error = %redact_addresses(&e.to_string()), "sender pass failed; retrying");
                config.backoff(failures).min(config.poll)
            }
        };
        if wait.is_zero() {
            tokio::task::yield_now().await;
            continue;
        }
        tokio::select! {
            () = wake.notified() => {}
            () = tokio::time::sleep(wait) => {}
            () = cancel.cancelled() => {}
        }
    }
    mailer.shutdown().await;
    debug!("sender stopped");
}

/// How long to sleep: until the next retry is due, at most `poll`, at least 10 ms.
async fn until_next_due(db: &Db, poll: Duration) -> Duration {
    match outbox::next_due(db).await {
        Ok(Some(at)) => {
            let left = at - OffsetDateTime::now_utc();
            Duration::try_from(left).unwrap_or(Duration::ZERO).clamp(
                Duration::from_millis(10),
                poll.max(Duration::from_millis(10)),
            )
        }
        _ => poll,
    }
}

/// One pass: claims up to `config.batch` due rows and tries each once, `config.concurrency` at
/// a time.
pub async fn send_due(
    store: &Store,
    db: &Db,
    mailer: &Mailer,
    config: &NotifierConfig,
) -> Result<PassReport, NotifierError> {
    let now = OffsetDateTime::now_utc();
    let claimed = outbox::claim(db, now, config.lease, config.batch.max(1)).await?;
    let mut report = PassReport {
        claimed: claimed.len(),
        ..PassReport::default()
    };
    let outcomes: Vec<Finish> = futures::stream::iter(claimed)
        .map(|row| attempt(store, db, mailer, config, row))
        .buffer_unordered(config.concurrency.max(1))
        .collect()
        .await;
    for outcome in outcomes {
        match outcome {
            Finish::Sent => report.sent += 1,
            Finish::Skipped(_) => report.skipped += 1,
            Finish::Retry { .. } => report.retried += 1,
            Finish::Dead(_) => report.dead += 1,
        }
    }
    Ok(report)
}

/// One try of one row, recorded in the outbox.
#[instrument(skip_all, fields(event_id = %row.event_id, kind = %row.kind, attempt = row.attempt))]
async fn attempt(
    store: &Store,
    db: &Db,
    mailer: &Mailer,
    config: &NotifierConfig,
    row: Claimed,
) -> Finish {
    let now = OffsetDateTime::now_utc();
    let outcome = match prepare(store, db, config, &row, now).await {
        Ok(Prepared::Skip(reason)) => Finish::Skipped(reason.to_owned()),
        Ok(Prepared::Send(message)) => match mailer.send(&message).await {
            Ok(()) => Finish::Sent,
            Err(e) => failed(config, &row, e.to_string(), false),
        },
        Err(e) => {
            let permanent = matches!(
                e,
                NotifierError::Context(_) | NotifierError::Message(_) | NotifierError::Recipient
            );
            failed(config, &row, e.to_string(), permanent)
        }
    };
    match &outcome {
        Finish::Sent => {
            metrics::add(&metrics::SENT, 1);
            info!("email sent");
        }
        Finish::Skipped(reason) => {
            metrics::add(&metrics::SKIPPED, 1);
            info!(reason = %reason, "email skipped");
        }
        Finish::Retry { error, at } => {
            metrics::add(&metrics::FAILED_ATTEMPTS, 1);
            warn!(error = %redact_addresses(error), retry_at = %at, "sending failed; will retry");
        }
        Finish::Dead(error) => {
            metrics::add(&metrics::FAILED_ATTEMPTS, 1);
            metrics::add(&metrics::DEAD, 1);
            warn!(error = %redact_addresses(error), "sending failed for the last time; dead-lettered");
        }
    }
    match outbox::finish(db, &row, &outcome, OffsetDateTime::now_utc()).await {
        Ok(true) => {}
        Ok(false) => {
            warn!("the row was claimed again meanwhile (lease ran out); outcome not recorded")
        }
        Err(e) => {
            warn!(error = %e, "cannot record the outcome; the row is tried again after its lease")
        }
    }
    outcome
}

fn failed(config: &NotifierConfig, row: &Claimed, error: String, permanent: bool) -> Finish {
    if permanent || row.attempt >= config.max_attempts.max(1) {
        Finish::Dead(error)
    } else {
        Finish::Retry {
            error,
            at: OffsetDateTime::now_utc() + config.backoff(row.attempt),
        }
    }
}

enum Prepared {
    Send(Box<Message>),
    Skip(&'static str),
}

async fn prepare(
    store: &Store,
    db: &Db,
    config: &NotifierConfig,
    row: &Claimed,
    now: OffsetDateTime,
) -> Result<Prepared, NotifierError> {
    let context: MailContext = serde_json::from_str(&row.context)?;
    let (name, rendered) = match context {
        MailContext::Welcome {
            contact_id,
            customer_id,
        } => {
            let names = match TenantId::parse(&row.tenant) {
                Ok(tenant) => {
                    Names::load(store, &tenant, customer_id, contact_id, &row.event_id).await?
                }
                Err(_) => Names::default(),
            };
            if names.revoked {
                return Ok(Prepared::Skip(REVOKED));
            }
            let login_url = config.link("/login", None);
            let rendered = render::welcome(&render::Welcome {
                carrier: names.carrier.as_deref(),
                customer: names.customer.as_deref(),
                contact: names.contact.as_deref(),
                login_url: &login_url,
            });
            (names.contact, rendered)
        }
        MailContext::LoginLink {
            user_id,
            request_id,
            purpose,
            requested_at,
        } => {
            if from_millis(requested_at) + config.token_ttl <= now {
                return Ok(Prepared::Skip(EXPIRED));
            }
            let email = Email::parse(&row.recipient).map_err(|_| NotifierError::Recipient)?;
            let request = MintRequest {
                user_id,
                email,
                purpose,
                request_id: request_id.to_string(),
                request_position: row.position,
            };
            let raw = match tokens::mint(db, &request, now, config.token_ttl).await? {
                Minted::Superseded => return Ok(Prepared::Skip(SUPERSEDED)),
                Minted::Token(raw) => raw,
            };
            let path = match purpose {
                LinkPurpose::Login => "/login/continue",
                LinkPurpose::PasswordReset => "/password/reset",
            };
            let link = config.link(path, Some(&raw));
            let rendered = render::login_link(&render::LoginLink {
                purpose,
                link: &link,
                valid_minutes: (config.token_ttl.as_secs() / 60).max(1),
            });
            (None, rendered)
        }
        webhook @ MailContext::WebhookDisabled { .. } => {
            (None, crate::render_webhook::render(&webhook, config))
        }
    };
    let message = message::build(
        config,
        &row.recipient,
        name.as_deref(),
        &row.message_id,
        rendered,
        SystemTime::now(),
    )?;
    Ok(Prepared::Send(Box::new(message)))
}

/// The names in a welcome email, read from the log; `None` where unreadable.
#[derive(Debug, Default)]
struct Names {
    carrier: Option<String>,
    customer: Option<String>,
    contact: Option<String>,
    /// The grant was followed by a revocation or removal.
    revoked: bool,
}

impl Names {
    async fn load(
        store: &Store,
        tenant: &TenantId,
        customer_id: CustomerId,
        contact_id: ContactId,
        grant_event: &str,
    ) -> Result<Self, NotifierError> {
        let mut names = Self::default();
        if let Some((state, _, _)) =
            readable(load::<Tenant>(store, &StreamId::of::<Tenant>(tenant), tenant).await)?
        {
            names.carrier = state.name.map(String::from);
        }
        if let Some((state, _, _)) =
            readable(load::<Customer>(store, &StreamId::of::<Customer>(customer_id), tenant).await)?
        {
            names.customer = state.name.map(String::from);
        }
        if let Some((state, _, history)) =
            readable(load::<Contact>(store, &StreamId::of::<Contact>(contact_id), tenant).await)?
        {
            names.contact = state.name.map(String::from);
            names.revoked = history
                .iter()
                .skip_while(|(r, _)| r.event_id.to_string() != grant_event)
                .skip(1)
                .any(|(_, e)| {
                    matches!(
                        e,
                        ContactEvent::ContactAccessRevoked { .. }
                            | ContactEvent::ContactRemoved { .. }
                    )
                });
        }
        Ok(names)
    }
}

/// A load's result, with everything but a database failure (retried) read as "not available".
fn readable<T>(result: Result<T, ExecuteError>) -> Result<Option<T>, NotifierError> {
    match result {
        Ok(v) => Ok(Some(v)),
        Err(e @ ExecuteError::Store(_)) => Err(e.into()),
        // Not logged in detail: a decoder's message may quote payload values.
        Err(_) => {
            debug!("a name for the email is not readable; neutral text instead");
            Ok(None)
        }
    }
}
