//! The dispatcher: claims due deliveries (the head of each enabled endpoint, see
//! [`deliveries::claim`]) and sends each as a Standard Webhooks request, up to
//! [`WebhookConfig::concurrency`] at once, each in a sender task of its own that goes on with
//! the same endpoint's next due delivery, claimed in the transaction that records the attempt: a slow or failing
//! endpoint holds one slot and its own queue, never another endpoint's.
//!
//! An attempt: the URL is checked again ([`guard::check_url`]; names go through the client's
//! [`guard::GuardedResolver`]), the body is signed with the endpoint's secret, sent with a 10 s
//! timeout, no redirects followed and no proxy; at most [`MAX_RESPONSE_BYTES`] of the answer are
//! read. A 2xx is a success; any other status, a timeout or a refused connection a failure,
//! retried on the [`super::schedule::Schedule`]. An endpoint failing for
//! [`WebhookConfig::disable_after`] is disabled and its owner emailed (a mail outbox row queued
//! in the transaction that records the attempt).
//!
//! Logs name delivery, endpoint and event ids and statuses; never a URL (it may carry a token
//! in its path or query), a secret or a body.

use super::deliveries::{self, AttemptRecord, Claimed, Finished, Outcome};
use super::{WebhookConfig, guard, metrics, signing};
use crate::message::message_id;
use crate::outbox::{self, MailContext, NewMail};
use portal_identity::Db;
use portal_identity::db::millis;
use std::sync::Arc;
use std::time::{Duration, Instant};
use time::OffsetDateTime;
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, instrument, warn};

/// The most of an answer's body that is read (and then dropped).
pub const MAX_RESPONSE_BYTES: usize = 4 * 1024;

/// The HTTP client of deliveries: the guard's resolver, no redirects, no proxies, the timeout.
pub fn client(config: &WebhookConfig) -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .dns_resolver(Arc::new(guard::GuardedResolver {
            allow_private: config.allow_private,
        }))
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(config.timeout)
        .connect_timeout(config.timeout)
        .user_agent(concat!("portal-webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// Sends due deliveries until `cancel`: a pass whenever `wake` is signalled (new deliveries),
/// a send ends, a retry falls due, or `config.poll` has passed. Sends under way when cancelled
/// are finished (each is bounded by the timeout).
#[instrument(skip_all)]
pub async fn run_dispatcher(
    db: Db,
    config: WebhookConfig,
    wake: Arc<Notify>,
    cancel: CancellationToken,
) {
    let client = match client(&config) {
        Ok(c) => c,
        Err(e) => {
            warn!(error = %e, "cannot build the webhook HTTP client; webhooks are not sent");
            return;
        }
    };
    let config = Arc::new(config);
    let mut running: JoinSet<()> = JoinSet::new();
    let mut failures = 0u32;
    while !cancel.is_cancelled() {
        let free = config.concurrency.max(1).saturating_sub(running.len());
        let mut wait = config.poll;
        if free > 0 {
            match deliveries::claim(&db, OffsetDateTime::now_utc(), config.lease, free).await {
                Ok(claimed) => {
                    failures = 0;
                    let full = claimed.len() >= free;
                    for c in claimed {
                        let (db, client, config) = (db.clone(), client.clone(), config.clone());
                        let cancel = cancel.clone();
                        running
                            .spawn(async move { sender(&db, &client, &config, c, &cancel).await });
                    }
                    wait = if full {
                        config.poll
                    } else {
                        until_next_due(&db, config.poll).await
                    };
                }
                Err(e) => {
                    failures = failures.saturating_add(1);
                    warn!(error = %e, "claiming webhook deliveries failed; retrying");
                    wait = Duration::from_millis(100u64 << failures.min(6)).min(config.poll);
                }
            }
        }
        tokio::select! {
            () = wake.notified() => {}
            Some(_) = running.join_next(), if !running.is_empty() => {
                while running.try_join_next().is_some() {}
            }
            () = tokio::time::sleep(wait) => {}
            () = cancel.cancelled() => {}
        }
    }
    while running.join_next().await.is_some() {}
    debug!("webhook dispatcher stopped");
}

/// How long to sleep: until the next delivery is due, at most `poll`, at least 10 ms.
async fn until_next_due(db: &Db, poll: Duration) -> Duration {
    match deliveries::next_due(db).await {
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

/// Sends `c`, then goes on with the same endpoint's next due delivery while there is one (one
/// endpoint's deliveries follow each other without waiting for the dispatcher's loop; other
/// endpoints have senders of their own).
async fn sender(
    db: &Db,
    client: &reqwest::Client,
    config: &WebhookConfig,
    mut c: Claimed,
    cancel: &CancellationToken,
) {
    loop {
        let go_on = !cancel.is_cancelled();
        match attempt(db, client, config, c, go_on).await {
            Some(next) => c = next,
            None => return,
        }
    }
}

/// One attempt of one claimed delivery, recorded; with `go_on`, the endpoint's next due
/// delivery claimed in the same transaction.
#[instrument(skip_all, fields(delivery = %c.id, endpoint = %c.endpoint_id, event_id = %c.event_id,
    attempt = c.attempt))]
async fn attempt(
    db: &Db,
    client: &reqwest::Client,
    config: &WebhookConfig,
    c: Claimed,
    go_on: bool,
) -> Option<Claimed> {
    let record = send(client, config, &c).await;
    let succeeded =
        record.error.is_none() && record.http_status.is_some_and(|s| (200..300).contains(&s));
    let outcome = if succeeded {
        Outcome::Succeeded
    } else {
        match config.schedule.retry_after(c.attempt) {
            Some(delay) => Outcome::Retry {
                at: record.at + delay,
            },
            None => Outcome::Failed,
        }
    };
    match outcome {
        Outcome::Succeeded => {
            metrics::add(&metrics::SUCCEEDED, 1);
            info!(status = ?record.http_status, latency_ms = record.latency_ms, "webhook delivered");
        }
        Outcome::Retry { at } => {
            metrics::add(&metrics::FAILED_ATTEMPTS, 1);
            info!(status = ?record.http_status, error = ?record.error, retry_at = %at,
                "webhook attempt failed; will retry");
        }
        Outcome::Failed => {
            metrics::add(&metrics::FAILED_ATTEMPTS, 1);
            metrics::add(&metrics::FAILED, 1);
            warn!(status = ?record.http_status, error = ?record.error,
                "webhook attempt failed for the last time; the delivery failed");
        }
    }
    // After a retry is scheduled the endpoint waits; otherwise it may go on.
    let go_on = go_on && !matches!(outcome, Outcome::Retry { .. });
    match record_outcome(db, config, &c, &record, outcome, go_on).await {
        Ok(next) => next,
        Err(e) => {
            warn!(error = %e, "cannot record the attempt; the delivery is tried again after its lease");
            None
        }
    }
}

async fn record_outcome(
    db: &Db,
    config: &WebhookConfig,
    c: &Claimed,
    record: &AttemptRecord,
    outcome: Outcome,
    go_on: bool,
) -> Result<Option<Claimed>, crate::NotifierError> {
    let mut tx = db.begin().await?;
    match deliveries::finish(&mut tx, c, record, outcome, config.disable_after).await? {
        Finished::NotOurs => {
            warn!("the delivery was claimed again meanwhile (lease ran out); outcome not recorded");
            tx.rollback().await?;
            return Ok(None);
        }
        Finished::Recorded(None) => {}
        Finished::Recorded(Some(disabled)) => {
            let event_id = uuid::Uuid::now_v7().to_string();
            let context = MailContext::WebhookDisabled {
                endpoint_id: disabled.endpoint_id.clone(),
                url: disabled.url.clone(),
                description: disabled.description.clone(),
                failing_since: millis(disabled.failing_since),
                customer: disabled.customer,
            };
            let mail = NewMail {
                message_id: message_id(&event_id, context.kind(), "", &config.message_id_domain),
                event_id,
                tenant: disabled.tenant.clone(),
                position: 0,
                recipient: disabled.owner_email.clone(),
                recipient_key: String::new(),
                context,
                held: None,
            };
            outbox::insert(&mut tx, &mail, record.at).await?;
            metrics::add(&metrics::DISABLED, 1);
            warn!("the endpoint kept failing and was disabled; its owner is emailed");
        }
    }
    let next = if go_on {
        let now = OffsetDateTime::now_utc();
        deliveries::claim_next_in(&mut tx, db.backend(), &c.endpoint_id, now, config.lease).await?
    } else {
        None
    };
    tx.commit().await?;
    Ok(next)
}

/// Sends one request; what it saw.
async fn send(client: &reqwest::Client, config: &WebhookConfig, c: &Claimed) -> AttemptRecord {
    let at = OffsetDateTime::now_utc();
    let started = Instant::now();
    let result = request(client, config, c).await;
    let latency_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    let (http_status, error) = match result {
        Ok(status) => (Some(status), None),
        Err(e) => (None, Some(e)),
    };
    AttemptRecord {
        at,
        http_status,
        error,
        latency_ms,
    }
}

async fn request(
    client: &reqwest::Client,
    config: &WebhookConfig,
    c: &Claimed,
) -> Result<u16, String> {
    let url = guard::check_url(&c.url, config.allow_private).map_err(|e| format!("the URL {e}"))?;
    let timestamp = OffsetDateTime::now_utc().unix_timestamp();
    let signature = signing::sign(&c.secret, &c.id, timestamp, c.body.as_bytes())
        .ok_or_else(|| "the endpoint's secret is malformed".to_owned())?;
    let mut response = client
        .post(url)
        .header("content-type", "application/json")
        .header("webhook-id", &c.id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(c.body.clone())
        .send()
        .await
        .map_err(|e| describe(&e))?;
    let status = response.status().as_u16();
    // Read a little of the answer (so the connection can be reused), never more.
    let mut read = 0usize;
    while read < MAX_RESPONSE_BYTES {
        match response.chunk().await {
            Ok(Some(chunk)) => read += chunk.len(),
            _ => break,
        }
    }
    Ok(status)
}

/// A short cause without the URL (which may carry a token).
fn describe(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_redirect() {
        "redirect"
    } else {
        "request failed"
    };
    let mut cause = String::new();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        cause = s.to_string();
        source = s.source();
    }
    if cause.is_empty() {
        kind.to_owned()
    } else {
        format!("{kind}: {cause}")
    }
}
