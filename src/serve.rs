//! `portal serve`: migrations, then every role in one process (HTTP, relay, projections,
//! notifier, webhooks) until Ctrl-C or SIGTERM. [`Service`] is that process as a value: started
//! on its bound address, stopped by [`Service::shutdown`] (what the tests start in-process).

use crate::settings::{MailSettings, Settings};
use crate::{http, identity, roles};
use anyhow::Context;
use portal_api::{AppState, AuthConfig};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};
use url::Url;

/// How long a stopping server waits for work it answered before doing it.
const BACKGROUND_GRACE: Duration = Duration::from_secs(10);

/// `portal serve` until Ctrl-C or SIGTERM.
pub async fn run(settings: Settings) -> anyhow::Result<()> {
    eprint!("{}", settings.describe("serve"));
    let service = Service::start(settings).await?;
    roles::shutdown_signal().await;
    service.shutdown().await;
    Ok(())
}

/// A running service: every role of `portal serve`, listening on [`Service::addr`].
pub struct Service {
    addr: SocketAddr,
    public_url: Url,
    stop: CancellationToken,
    task: Option<JoinHandle<()>>,
}

impl Service {
    /// Migrates the store, binds `--listen` (port 0 picks a free port) and starts every role;
    /// returns once the address is bound. Settings come from [`Settings::resolve`].
    pub async fn start(settings: Settings) -> anyhow::Result<Self> {
        start(settings).await
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base of the service's links (`--public-url`, else derived from the bound address),
    /// ending with `/`.
    pub fn public_url(&self) -> &Url {
        &self.public_url
    }

    /// `http://<addr>` (no trailing slash), to put paths after.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, lets answered work finish (bounded) and stops every role.
    pub async fn shutdown(mut self) {
        self.stop.cancel();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Service {
    /// A service dropped without [`Service::shutdown`] stops in the background.
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

async fn start(settings: Settings) -> anyhow::Result<Service> {
    let serve = settings
        .serve
        .clone()
        .context("internal: serve settings missing")?;
    let store = settings.open_migrated_store().await?;
    let read = roles::open_read_db(&settings).await?;
    let db = roles::open_db(&settings).await?;
    let mailer = roles::open_mailer(&settings)?;
    let bus = roles::open_bus(&settings).await?;
    let projector = roles::prepare_projector(&store, &read).await?;
    let listener = TcpListener::bind(serve.listen).await.with_context(|| {
        format!(
            "cannot listen on {} (--listen / PORTAL_LISTEN)",
            serve.listen
        )
    })?;
    let addr = listener
        .local_addr()
        .context("cannot read the bound address")?;
    // Derived from the bound address when not configured (so that `--listen 127.0.0.1:0` gives
    // working links).
    let public_url = match &settings.public_url {
        Some(url) => url.clone(),
        None => derived_public_url(addr)?,
    };
    // On stdout, alone on its line: scripts and the end-to-end tests read the port from it.
    println!("listening on http://{addr}");
    info!(%addr, backend = store.backend(), bus = bus.kind(), "serving");
    if settings.embedded
        && let Some(link) = identity::bootstrap_demo(&store, &db, &public_url).await?
    {
        // stdout only (never the log): the operator's console is the one place it may appear.
        println!(
            "first start: a demo carrier and its staff member staff@demo.example were created; \
             log in once with {link}"
        );
    }
    let cancel = CancellationToken::new();
    let projecting = roles::spawn_projector(
        store.clone(),
        bus.clone(),
        projector.clone(),
        cancel.clone(),
    )
    .await?;
    let tasks = [
        roles::spawn_relay(&settings, store.clone(), bus.clone(), cancel.clone()),
        projecting,
        roles::spawn_statistics(store.clone(), cancel.clone()),
        roles::spawn_webhooks(
            &settings,
            store.clone(),
            bus.clone(),
            db.clone(),
            cancel.clone(),
        ),
        roles::spawn_notifier(
            store.clone(),
            bus,
            db.clone(),
            mailer,
            roles::notifier_config(&settings, public_url.clone()),
            cancel.clone(),
        ),
    ];
    let mut auth = AuthConfig::new(public_url.clone());
    let background = auth.background.clone();
    auth.session_idle = serve.session_idle;
    auth.session_absolute = serve.session_absolute;
    auth.trusted_proxies = serve.trusted_proxies.clone();
    auth.metrics_token = serve.metrics_token.clone();
    auth.metrics_elsewhere = serve.metrics_listen.is_some();
    auth.webhook_allow_private = settings.webhooks.allow_private;
    // /dev/mail shows the file transport's emails, login links included: embedded mode only.
    if settings.embedded && settings.mail.smtp_url.is_none() {
        auth.dev_mail_dir = Some(MailSettings::file_dir(&settings.data_dir));
    }
    let state = AppState {
        store,
        read,
        relay: roles::relay_name(&settings),
        projections: projector
            .projections()
            .iter()
            .map(|p| p.name().to_owned())
            .collect(),
        db,
        auth: Arc::new(auth),
        caches: portal_api::caches::Caches::default(),
    };
    let metrics = match serve.metrics_listen {
        Some(addr) => Some(spawn_metrics(addr, state.clone(), serve.limits, cancel.clone()).await?),
        None => None,
    };
    let app = http::with_body_timeout(portal_api::router(state), &serve.limits);
    let stop = CancellationToken::new();
    let task = tokio::spawn(serve_until(
        listener,
        app,
        serve.limits,
        stop.clone(),
        Background {
            background,
            cancel,
            metrics,
            tasks,
        },
    ));
    Ok(Service {
        addr,
        public_url,
        stop,
        task: Some(task),
    })
}

/// What runs beside the HTTP server and stops after it.
struct Background {
    background: tokio_util::task::TaskTracker,
    cancel: CancellationToken,
    metrics: Option<JoinHandle<()>>,
    tasks: [JoinHandle<()>; 5],
}

async fn serve_until(
    listener: TcpListener,
    app: axum::Router,
    limits: http::HttpLimits,
    stop: CancellationToken,
    rest: Background,
) {
    let Background {
        background,
        cancel,
        metrics,
        tasks,
    } = rest;
    http::serve(listener, app, limits, stop.cancelled_owned()).await;
    // Link requests already answered with "link sent" may still be appending their events: let
    // them finish (bounded), so that a shutdown does not swallow a promised email.
    background.close();
    if tokio::time::timeout(BACKGROUND_GRACE, background.wait())
        .await
        .is_err()
    {
        warn!("stopping with login-link requests unfinished after {BACKGROUND_GRACE:?}");
    }
    cancel.cancel();
    if let Some(metrics) = metrics {
        let _ = metrics.await;
    }
    for task in tasks {
        let _ = task.await;
    }
    info!("stopped");
}

/// Serves `/metrics` alone on `addr` until `cancel`.
async fn spawn_metrics(
    addr: SocketAddr,
    state: AppState,
    limits: http::HttpLimits,
    cancel: CancellationToken,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let listener = TcpListener::bind(addr).await.with_context(|| {
        format!("cannot listen on {addr} (--metrics-listen / PORTAL_METRICS_LISTEN)")
    })?;
    let bound = listener
        .local_addr()
        .context("cannot read the bound metrics address")?;
    // On stdout like the main address: scripts and tests read the port from it.
    println!("metrics on http://{bound}/metrics");
    let app = http::with_body_timeout(portal_api::metrics::router(state), &limits);
    Ok(tokio::spawn(async move {
        http::serve(listener, app, limits, cancel.cancelled_owned()).await;
    }))
}

fn derived_public_url(addr: SocketAddr) -> anyhow::Result<Url> {
    // SocketAddr's Display brackets IPv6 addresses, as URLs need.
    let base = if addr.ip().is_unspecified() {
        format!("http://localhost:{}/", addr.port())
    } else {
        format!("http://{addr}/")
    };
    Url::parse(&base).context("cannot derive the public URL from --listen")
}
