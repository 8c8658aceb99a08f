//! Typed settings, resolved once from the command line (which has already applied the environment
//! fallbacks). Every error names the flag and the variable it came from, on one line.
//!
//! Layout: this module holds [`Settings`] and the event store connection; `serve` the HTTP
//! settings, `mail` the mail settings, `webhooks` the webhook settings, `urls` the checks of the service URLs and how they are
//! printed (passwords redacted).

mod mail;
mod serve;
mod urls;
mod webhooks;

pub use mail::MailSettings;
pub use serve::ServeSettings;
pub use urls::{redact, root_cause};
pub use webhooks::WebhookSettings;

use crate::cli::{GlobalArgs, ServeArgs};
use anyhow::{Context, bail};
use portal_eventlog::Store;
use portal_eventlog::bus::NatsConfig;
use portal_eventlog::store::StoreOptions;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;
use url::Url;
use urls::{check_database_url, nats_config};

const DATABASE_SETTING: &str = "--database-url / DATABASE_URL";

#[derive(Debug, Clone)]
pub struct Settings {
    /// Where the event store lives; always a full URL (the embedded default is filled in).
    pub database_url: String,
    /// True when no database was configured and the embedded SQLite file is used.
    pub embedded: bool,
    pub data_dir: PathBuf,
    pub db_max_connections: u32,
    /// Partitions of the projection work (1 in embedded mode).
    pub projection_partitions: u16,
    /// JetStream; `None` means the in-process bus (embedded mode).
    pub nats: Option<NatsConfig>,
    pub serve: Option<ServeSettings>,
    pub mail: MailSettings,
    pub webhooks: WebhookSettings,
    /// `--public-url` as given (serve derives a default from --listen).
    pub public_url: Option<Url>,
}

impl Settings {
    pub fn resolve(global: &GlobalArgs, serve: Option<&ServeArgs>) -> anyhow::Result<Self> {
        let (database_url, embedded) = match global.database_url.as_deref().map(str::trim) {
            Some(url) if !url.is_empty() => (check_database_url(url)?, false),
            _ => {
                let file = global.data_dir.join("portal.db");
                (format!("sqlite://{}", file.display()), true)
            }
        };
        if global.db_max_connections == 0 {
            bail!("--db-max-connections / PORTAL_DB_MAX_CONNECTIONS must be at least 1");
        }
        let public_url = match global.public_url.as_deref().map(str::trim) {
            Some(raw) if !raw.is_empty() => Some(serve::parse_public_url(raw)?),
            _ => None,
        };
        let serve = serve
            .map(|args| ServeSettings::resolve(args, public_url.as_ref()))
            .transpose()?;
        let mail = MailSettings::resolve(global)?;
        let webhooks = WebhookSettings::resolve(global)?;
        let nats = match global.nats_url.as_deref().map(str::trim) {
            Some(url) if !url.is_empty() => Some(nats_config(url, global)?),
            _ => None,
        };
        Ok(Self {
            database_url,
            embedded,
            data_dir: global.data_dir.clone(),
            db_max_connections: global.db_max_connections,
            projection_partitions: if embedded {
                1
            } else {
                global.projection_partitions
            },
            nats,
            serve,
            mail,
            webhooks,
            public_url,
        })
    }

    /// The settings as printed at start: one per line, secrets redacted.
    pub fn describe(&self, role: &str) -> String {
        let mut out = format!("portal {} {role}\n", env!("CARGO_PKG_VERSION"));
        let mode = if self.embedded { " (embedded)" } else { "" };
        let _ = writeln!(
            out,
            "  database        {}{mode}",
            redact(&self.database_url)
        );
        let _ = writeln!(out, "  db connections  {}", self.db_max_connections);
        let _ = writeln!(out, "  partitions      {}", self.projection_partitions);
        let _ = writeln!(out, "  data dir        {}", self.data_dir.display());
        match &self.nats {
            Some(n) => {
                let _ = writeln!(
                    out,
                    "  bus             {} stream {} subjects {}.> replicas {} duplicate window {}s",
                    redact(&n.url),
                    n.stream,
                    n.subject_prefix,
                    n.replicas,
                    n.duplicate_window.as_secs()
                );
            }
            None => {
                let _ = writeln!(out, "  bus             in-process (no NATS_URL)");
            }
        }
        let _ = writeln!(
            out,
            "  mail            {}",
            self.mail.describe(&self.data_dir)
        );
        let _ = writeln!(out, "  webhooks        {}", self.webhooks.describe());
        if let Some(serve) = &self.serve {
            let _ = writeln!(out, "  listen          {}", serve.listen);
            let _ = writeln!(out, "  public url      {}", serve.public_url);
            if !serve.trusted_proxies.is_empty() {
                let proxies: Vec<String> = serve
                    .trusted_proxies
                    .iter()
                    .map(ToString::to_string)
                    .collect();
                let _ = writeln!(out, "  trusted proxies {}", proxies.join(", "));
            }
            let _ = writeln!(
                out,
                "  sessions        idle {} min, absolute {} h",
                serve.session_idle.as_secs() / 60,
                serve.session_absolute.as_secs() / 3600
            );
            // The token itself is never printed.
            let token = if serve.metrics_token.is_some() {
                "token required"
            } else {
                "open"
            };
            match serve.metrics_listen {
                Some(addr) => {
                    let _ = writeln!(out, "  metrics         on {addr}, {token}");
                }
                None => {
                    let _ = writeln!(out, "  metrics         on --listen, {token}");
                }
            }
            let limits = &serve.limits;
            let _ = writeln!(
                out,
                "  http limits     header {} s, body {} s, idle {} s, {} connections",
                limits.header_read_timeout.as_secs(),
                limits.body_read_timeout.as_secs(),
                limits.idle_timeout.as_secs(),
                limits.max_connections
            );
        } else if let Some(url) = &self.public_url {
            let _ = writeln!(out, "  public url      {url}");
        }
        out
    }

    /// Connects to the event store. Failures are one line naming the setting.
    pub async fn open_store(&self) -> anyhow::Result<Store> {
        if self.embedded {
            std::fs::create_dir_all(&self.data_dir).with_context(|| {
                format!(
                    "cannot create the data folder {} (--data-dir / PORTAL_DATA_DIR)",
                    self.data_dir.display()
                )
            })?;
        }
        let options = StoreOptions {
            max_connections: self.db_max_connections,
            acquire_timeout: Duration::from_secs(5),
        };
        Store::connect(&self.database_url, &options)
            .await
            .map_err(|e| {
                anyhow::anyhow!(
                    "cannot connect to the database {} ({DATABASE_SETTING}): {}",
                    redact(&self.database_url),
                    root_cause(&e)
                )
            })
    }

    /// Connects and applies the migrations.
    pub async fn open_migrated_store(&self) -> anyhow::Result<Store> {
        let store = self.open_store().await?;
        store.migrate().await.map_err(|e| {
            anyhow::anyhow!(
                "cannot migrate the database {} ({DATABASE_SETTING}): {}",
                redact(&self.database_url),
                root_cause(&e)
            )
        })?;
        Ok(store)
    }
}
