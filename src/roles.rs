//! The long-running roles and their wiring: the bus, the read-model database, the mail transport,
//! the relay, the projection builders, the notifier and the webhooks. `portal serve` runs them
//! all in one process; `portal relay`, `portal project` and `portal notify` run one each
//! (against NATS, so that several processes cooperate; `portal notify` runs the webhooks too).

use crate::settings::{MailSettings, Settings, redact, root_cause};
use anyhow::{Context, bail};
use portal_eventlog::Store;
use portal_eventlog::bus::{Bus, MemoryBus, NatsBus};
use portal_eventlog::relay::{RelayConfig, run_relay};
use portal_eventlog::subscription::{RunnerConfig, run_subscription};
use portal_identity::Db;
use portal_notifier::{Mailer, NotifierConfig};
use portal_projections::partitions::Leases;
use portal_projections::{Projection, Projector, ReadDb, rebuild};
use std::sync::Arc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tracing::info;
use url::Url;

/// Durable consumer of the projection builders (one per role).
pub const PROJECTIONS_CONSUMER: &str = "portal-projections";

/// Connects the bus: JetStream when configured, else the in-process bus.
pub async fn open_bus(settings: &Settings) -> anyhow::Result<Bus> {
    match &settings.nats {
        None => Ok(Bus::Memory(MemoryBus::default())),
        Some(config) => NatsBus::connect(config.clone())
            .await
            .map(|b| Bus::Nats(Box::new(b)))
            .map_err(|e| {
                anyhow::anyhow!(
                    "cannot use NATS {} (--nats-url / NATS_URL): {}",
                    redact(&config.url),
                    root_cause(&e)
                )
            }),
    }
}

/// Like [`open_bus`], for roles that only make sense with JetStream.
pub async fn open_nats(settings: &Settings, role: &str) -> anyhow::Result<Bus> {
    if settings.nats.is_none() {
        bail!(
            "portal {role} runs against NATS JetStream: set --nats-url / NATS_URL \
             (without NATS, `portal serve` runs every role in one process)"
        );
    }
    open_bus(settings).await
}

/// Name of the relay's checkpoint: one per destination stream.
pub fn relay_name(settings: &Settings) -> String {
    match &settings.nats {
        Some(n) => n.stream.clone(),
        None => "in-process".to_owned(),
    }
}

/// The read-model database (the event store's database), with the configured partitions.
pub async fn open_read_db(settings: &Settings) -> anyhow::Result<ReadDb> {
    ReadDb::connect(&settings.database_url, settings.db_max_connections)
        .await
        .map(|db| db.with_partitions(settings.projection_partitions))
        .map_err(|e| {
            anyhow::anyhow!(
                "cannot open the read models in {} (--database-url / DATABASE_URL): {}",
                redact(&settings.database_url),
                root_cause(&e)
            )
        })
}

/// Fails when projecting processes run with another partition count than `db`'s: this process
/// would rebuild the read models for its own count under them (see
/// [`portal_projections::partitions::count_in_use_elsewhere`]).
pub async fn refuse_other_partition_count(db: &ReadDb) -> anyhow::Result<()> {
    let in_use = portal_projections::partitions::count_in_use_elsewhere(db)
        .await
        .context("cannot check the projection partitions in use")?;
    if let Some(n) = in_use {
        anyhow::bail!(
            "projecting processes are running with {n} projection partitions, this one is set to \
             {}: use --projection-partitions {n} (PORTAL_PROJECTION_PARTITIONS={n}) like every \
             other process of this database, or stop them all first to change the count",
            db.partition_count()
        );
    }
    Ok(())
}

/// Every projection of this build.
pub fn projections() -> Vec<Arc<dyn Projection>> {
    portal_projections::models::all()
}

/// Creates missing read-model tables and rebuilds projections whose schema changed, before they
/// serve.
pub async fn prepare_projector(store: &Store, db: &ReadDb) -> anyhow::Result<Projector> {
    refuse_other_partition_count(db).await?;
    let projector = Projector::new(db.clone(), projections());
    // Also creates missing tables and checkpoint rows.
    let outdated = rebuild::outdated(store, db, projector.projections())
        .await
        .context("cannot create or check the read models")?;
    if !outdated.is_empty() {
        let names: Vec<&str> = outdated.iter().map(|p| p.name()).collect();
        info!(projections = ?names, "read models are new or changed; rebuilding them");
        let report = rebuild::rebuild(store, db, &outdated, &|_| {})
            .await
            .context("cannot rebuild the read models")?;
        info!(events = report.events, "rebuilt");
    }
    Ok(projector)
}

/// Starts the relay.
pub fn spawn_relay(
    settings: &Settings,
    store: Store,
    bus: Bus,
    cancel: CancellationToken,
) -> JoinHandle<()> {
    let prefix = settings
        .nats
        .as_ref()
        .map_or_else(|| "portal.events".to_owned(), |n| n.subject_prefix.clone());
    let config = RelayConfig::new(relay_name(settings), prefix);
    tokio::spawn(run_relay(store, bus, config, cancel))
}

/// Starts the projection builders' subscription. With more than one partition, the process
/// first takes its share of them by lease, and reads the feed through a consumer of its own
/// (every process needs every event; a shared durable consumer would split them).
pub async fn spawn_projector(
    store: Store,
    bus: Bus,
    projector: Projector,
    cancel: CancellationToken,
) -> anyhow::Result<JoinHandle<()>> {
    let (projector, consumer) = match Leases::start(projector.db(), cancel.clone())
        .await
        .context("cannot take projection leases")?
    {
        Some(partitions) => {
            let consumer = format!(
                "{PROJECTIONS_CONSUMER}-{}",
                partitions.owner().unwrap_or("process")
            );
            let projector = projector
                .with_partitions(partitions)
                .with_log(store.clone());
            (projector, consumer)
        }
        None => (projector, PROJECTIONS_CONSUMER.to_owned()),
    };
    Ok(tokio::spawn(run_subscription(
        store,
        bus,
        projector,
        RunnerConfig::new(consumer),
        cancel,
    )))
}

/// Keeps the planner statistics of the service's tables (see
/// [`portal_eventlog::store::statistics`]): every process that projects or notifies runs it.
pub fn spawn_statistics(store: Store, cancel: CancellationToken) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(portal_eventlog::store::statistics::EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = cancel.cancelled() => return,
                _ = tick.tick() => {}
            }
            match store.analyze_grown().await {
                Ok(tables) if !tables.is_empty() => {
                    tracing::info!(?tables, "planner statistics gathered");
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "planner statistics"),
            }
        }
    })
}

/// `portal relay`.
pub async fn relay(settings: Settings) -> anyhow::Result<()> {
    eprint!("{}", settings.describe("relay"));
    let store = settings.open_migrated_store().await?;
    let bus = open_nats(&settings, "relay").await?;
    let cancel = CancellationToken::new();
    let task = spawn_relay(&settings, store, bus, cancel.clone());
    println!("relay running");
    shutdown_signal().await;
    cancel.cancel();
    task.await.context("the relay task failed")?;
    Ok(())
}

/// `portal project`.
pub async fn project(settings: Settings) -> anyhow::Result<()> {
    eprint!("{}", settings.describe("project"));
    let store = settings.open_migrated_store().await?;
    let bus = open_nats(&settings, "project").await?;
    let db = open_read_db(&settings).await?;
    let projector = prepare_projector(&store, &db).await?;
    let cancel = CancellationToken::new();
    let statistics = spawn_statistics(store.clone(), cancel.clone());
    let task = spawn_projector(store, bus, projector, cancel.clone()).await?;
    println!("projections running");
    shutdown_signal().await;
    cancel.cancel();
    task.await.context("the projection task failed")?;
    statistics.await.context("the statistics task failed")?;
    Ok(())
}

/// The durable pool of the identity and notifier tables.
pub async fn open_db(settings: &Settings) -> anyhow::Result<Db> {
    Db::connect(&settings.database_url, settings.db_max_connections)
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "cannot open the identity tables in {} (--database-url / DATABASE_URL): {}",
                redact(&settings.database_url),
                root_cause(&e)
            )
        })
}

/// The mail transport: SMTP when configured, else `.eml` files under the data folder.
pub fn open_mailer(settings: &Settings) -> anyhow::Result<Mailer> {
    match &settings.mail.smtp_url {
        Some(url) => Mailer::smtp_pooled(url, settings.mail.smtp_pool).map_err(|e| {
            anyhow::anyhow!(
                "cannot use the mail server {} (--smtp-url / SMTP_URL): {}",
                redact(url),
                root_cause(&e)
            )
        }),
        None => {
            let dir = MailSettings::file_dir(&settings.data_dir);
            std::fs::create_dir_all(&dir).with_context(|| {
                format!(
                    "cannot create the mail folder {} (--data-dir / PORTAL_DATA_DIR)",
                    dir.display()
                )
            })?;
            Mailer::file(&dir).with_context(|| format!("cannot write emails to {}", dir.display()))
        }
    }
}

/// The notifier's settings for links based on `public_url`.
pub fn notifier_config(settings: &Settings, public_url: Url) -> NotifierConfig {
    let mut config = NotifierConfig::new(public_url, settings.mail.from.clone());
    config.reply_to = settings.mail.reply_to.clone();
    config.lease = settings.mail.lease;
    config
}

/// Starts the notifier (its subscription and its sender).
pub fn spawn_notifier(
    store: Store,
    bus: Bus,
    db: Db,
    mailer: Mailer,
    config: NotifierConfig,
    cancel: CancellationToken,
) -> JoinHandle<()> {
    tokio::spawn(portal_notifier::run_notifier(
        store, bus, db, mailer, config, cancel,
    ))
}

/// Starts the webhooks (their event handler's subscription and the dispatcher).
pub fn spawn_webhooks(
    settings: &Settings,
    store: Store,
    bus: Bus,
    db: Db,
    cancel: CancellationToken,
) -> JoinHandle<()> {
    let config = settings.webhooks.config(settings.mail.from.email.domain());
    tokio::spawn(portal_notifier::webhooks::run_webhooks(
        store, bus, db, config, cancel,
    ))
}

/// `portal notify`.
pub async fn notify(settings: Settings) -> anyhow::Result<()> {
    eprint!("{}", settings.describe("notify"));
    let Some(public_url) = settings.public_url.clone() else {
        bail!(
            "portal notify needs --public-url / PORTAL_PUBLIC_URL: the base of the links in its \
             emails"
        );
    };
    let store = settings.open_migrated_store().await?;
    let bus = open_nats(&settings, "notify").await?;
    let db = open_db(&settings).await?;
    let mailer = open_mailer(&settings)?;
    let config = notifier_config(&settings, public_url);
    let cancel = CancellationToken::new();
    let webhooks = spawn_webhooks(
        &settings,
        store.clone(),
        bus.clone(),
        db.clone(),
        cancel.clone(),
    );
    let statistics = spawn_statistics(store.clone(), cancel.clone());
    let task = spawn_notifier(store, bus, db, mailer, config, cancel.clone());
    println!("notifier running");
    shutdown_signal().await;
    cancel.cancel();
    task.await.context("the notifier task failed")?;
    webhooks.await.context("the webhook task failed")?;
    statistics.await.context("the statistics task failed")?;
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM: how every role, `portal serve` included, is asked to stop.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
