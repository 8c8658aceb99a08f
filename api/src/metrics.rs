//! `/metrics`: Prometheus text exposition (prometheus-client).
//!
//! Counters of this process come from `portal_eventlog::metrics`; positions, lags and dead letters
//! are read from the database at scrape time, because other processes (`portal relay`,
//! `portal project`) move them. Lags count events, not position differences (positions are
//! sparse on PostgreSQL); they are capped at [`LAG_CAP`] so a scrape stays cheap.
//!
//! The numbers tell an outsider how busy the carrier is: with a metrics token configured
//! ([`crate::AuthConfig::metrics_token`]) a scrape must send `Authorization: Bearer <token>`,
//! else 401. With an address of its own, `/metrics` is served by [`router`] only.

use crate::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use portal_eventlog::metrics as m;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use sqlx::Row;
use std::sync::atomic::{AtomicU64, Ordering};
use tracing::error;

const LAG_CAP: i64 = 10_000_000;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ProjectionLabel {
    projection: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabel {
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RelayLabel {
    relay: String,
}

fn counter(registry: &mut Registry, name: &str, help: &str, value: &AtomicU64) {
    let c: Counter = Counter::default();
    c.inc_by(value.load(Ordering::Relaxed));
    registry.register(name, help, c);
}

/// `/metrics` alone, for an address of its own (with the headers of every answer).
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .layer(from_fn_with_state(
            state.clone(),
            crate::web::headers::security_headers,
        ))
        .with_state(state)
}

/// Whether the scrape may read the numbers (no token configured, or the right one sent).
fn allowed(state: &AppState, headers: &HeaderMap) -> bool {
    let Some(token) = &state.auth.metrics_token else {
        return true;
    };
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().split_once(' '))
        .is_some_and(|(scheme, offered)| {
            scheme.eq_ignore_ascii_case("bearer") && token.matches(offered.trim())
        })
}

pub async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if !allowed(&state, &headers) {
        return (
            StatusCode::UNAUTHORIZED,
            [(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"metrics\""),
            )],
            "The metrics need Authorization: Bearer <metrics token>.\n",
        )
            .into_response();
    }
    match render(&state).await {
        Ok(body) => (
            [(
                header::CONTENT_TYPE,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
            )],
            body,
        )
            .into_response(),
        Err(e) => {
            error!(error = %e, "cannot collect metrics");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// Values read from the database before the (non-`Send`) registry is built.
struct Snapshot {
    head: i64,
    relay_checkpoint: i64,
    relay_lag: i64,
    /// (name, position, lag, dead letters)
    projections: Vec<(String, i64, i64, i64)>,
    /// Rows of the mail outbox per status (all processes).
    mail: portal_app::mail::OutboxCounts,
}

async fn snapshot(state: &AppState) -> Result<Snapshot, Box<dyn std::error::Error + Send + Sync>> {
    let store = &state.store;
    let head = store.head_position().await?;
    let relay_checkpoint = store.relay_checkpoint(&state.relay).await?;
    let relay_lag = store.count_after(relay_checkpoint, LAG_CAP).await?;
    let dead = crate::health::dead_letters(&state.read).await?;
    // Per projection, its furthest-behind partition.
    let rows = sqlx::query(
        "SELECT name, min(position) FROM projection_checkpoints GROUP BY name ORDER BY name",
    )
    .fetch_all(state.read.pool())
    .await?;
    let mut projections = Vec::new();
    for row in rows {
        let name: String = row.try_get(0)?;
        if !state.projections.contains(&name) {
            continue;
        }
        let at: i64 = row.try_get(1)?;
        let lag = store.count_after(at, LAG_CAP).await?;
        let d = dead.iter().find(|(n, _)| *n == name).map_or(0, |(_, n)| *n);
        projections.push((name, at, lag, d));
    }
    let mail = portal_app::mail::counts(&state.db).await?;
    Ok(Snapshot {
        head,
        relay_checkpoint,
        relay_lag,
        projections,
        mail,
    })
}

async fn render(state: &AppState) -> Result<String, Box<dyn std::error::Error + Send + Sync>> {
    let snap = snapshot(state).await?;
    encode_snapshot(&state.relay, &snap).map_err(Into::into)
}

fn encode_snapshot(relay: &str, snap: &Snapshot) -> Result<String, std::fmt::Error> {
    let mut registry = Registry::with_prefix("portal");
    counter(
        &mut registry,
        "events_appended",
        "Events appended by this process",
        &m::EVENTS_APPENDED,
    );
    counter(
        &mut registry,
        "relay_published",
        "Events published and acknowledged by this process's relay",
        &m::RELAY_PUBLISHED,
    );
    counter(
        &mut registry,
        "relay_failures",
        "Relay publish batches that failed and were retried",
        &m::RELAY_FAILURES,
    );
    counter(
        &mut registry,
        "subscription_gaps",
        "Gaps detected by consumers (caught up from the log)",
        &m::SUBSCRIPTION_GAPS,
    );

    let head: Gauge = Gauge::default();
    head.set(snap.head);
    registry.register(
        "log_head_position",
        "Highest committed global position",
        head,
    );

    let relay_position: Family<RelayLabel, Gauge> = Family::default();
    let relay_lag: Family<RelayLabel, Gauge> = Family::default();
    let label = RelayLabel {
        relay: relay.to_owned(),
    };
    relay_position
        .get_or_create(&label)
        .set(snap.relay_checkpoint);
    relay_lag.get_or_create(&label).set(snap.relay_lag);
    registry.register(
        "relay_position",
        "Position of the last event the relay published",
        relay_position,
    );
    registry.register(
        "relay_lag_events",
        "Committed events not yet published",
        relay_lag,
    );

    let position: Family<ProjectionLabel, Gauge> = Family::default();
    let lag: Family<ProjectionLabel, Gauge> = Family::default();
    let dead: Family<ProjectionLabel, Gauge> = Family::default();
    for (name, at, l, d) in &snap.projections {
        let label = ProjectionLabel {
            projection: name.clone(),
        };
        position.get_or_create(&label).set(*at);
        lag.get_or_create(&label).set(*l);
        dead.get_or_create(&label).set(*d);
    }
    registry.register(
        "projection_position",
        "Last global position applied by the projection",
        position,
    );
    registry.register(
        "projection_lag_events",
        "Committed events the projection has not applied",
        lag,
    );
    registry.register(
        "projection_dead_letters",
        "Events the projection failed on and skipped",
        dead,
    );

    let emails: Family<StatusLabel, Gauge> = Family::default();
    for (status, n) in [
        ("pending", snap.mail.pending),
        ("sent", snap.mail.sent),
        ("skipped", snap.mail.skipped),
        ("dead", snap.mail.dead),
        ("held", snap.mail.held),
    ] {
        emails
            .get_or_create(&StatusLabel {
                status: status.to_owned(),
            })
            .set(n);
    }
    registry.register(
        "emails",
        "Emails in the mail outbox by status (dead: every try failed; staff see them; held: \
         waiting for a daily digest)",
        emails,
    );
    let dead_emails: Gauge = Gauge::default();
    dead_emails.set(snap.mail.dead);
    registry.register(
        "email_dead_letters",
        "Emails given up after their last try",
        dead_emails,
    );
    for (name, help, value) in portal_app::mail::counters()
        .into_iter()
        .chain(portal_app::mail::webhook_counters())
    {
        let c: Counter = Counter::default();
        c.inc_by(value);
        // The registry's prefix is added to the name.
        registry.register(name.trim_start_matches("portal_"), help, c);
    }

    let mut out = String::new();
    encode(&mut out, &registry)?;
    Ok(out)
}
