//! The sender: claims due outbox rows, renders and sends them, and records the outcome.
//!
//! What each email says and when it is skipped is [`crate::compose`]'s:
//! - Welcome emails take the carrier's, the customer's and the contact's names from the event
//!   log at send time (neutral text when missing); a grant revoked before its email could go
//!   out is skipped.
//! - Login-link emails mint their token at send time ([`tokens::mint`]), so the raw token only
//!   ever exists in memory and in the email. A request older than the token TTL, or superseded
//!   by a newer one, is skipped: no dead links are sent.
//! - Order-status, charge and digest emails are rendered from the facts stored with the row;
//!   those to portal users carry a signed one-click unsubscribe link (`List-Unsubscribe` and
//!   `List-Unsubscribe-Post`, RFC 8058) for their kind.
//! - Each pass first folds the digests that fell due ([`crate::digest::fold_due`]).
//! - A failed try is retried after [`NotifierConfig::backoff`]; after `max_attempts` the row is
//!   dead (see [`outbox::dead_letters`]).

use crate::compose::{Prepared, prepare};
use crate::config::NotifierConfig;
use crate::digest;
use crate::error::NotifierError;
use crate::metrics;
use crate::outbox::{self, Claimed, Finish};
use crate::transport::{Mailer, redact_addresses};
use futures::StreamExt as _;
use portal_eventlog::Store;
use portal_identity::Db;
use portal_identity::db::from_millis;
use std::sync::Arc;
use std::time::Duration;
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

/// How long to sleep: until the next retry or digest is due, at most `poll`, at least 10 ms.
async fn until_next_due(db: &Db, poll: Duration) -> Duration {
    let retry = outbox::next_due(db).await.ok().flatten();
    let digest = digest::next_due(db).await.ok().flatten().map(from_millis);
    let next = match (retry, digest) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    match Ok::<_, NotifierError>(next) {
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
    let digests =
        digest::fold_due(db, &config.checkpoint_name, config.message_id_domain(), now).await?;
    if digests > 0 {
        debug!(digests, "daily digests queued");
    }
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
