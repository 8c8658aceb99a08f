//! Typed settings, resolved once from the command line (which has already applied the environment
//! fallbacks). Every error names the flag and the variable it came from, on one line.

use crate::cli::{GlobalArgs, ServeArgs};
use anyhow::{Context, bail};
use portal_eventlog::Store;
use portal_eventlog::bus::NatsConfig;
use portal_eventlog::store::StoreOptions;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;
use url::Url;

const DATABASE_SETTING: &str = "--database-url / DATABASE_URL";

#[derive(Debug, Clone)]
pub struct Settings {
    /// Where the event store lives; always a full URL (the embedded default is filled in).
    pub database_url: String,
    /// True when no database was configured and the embedded SQLite file is used.
    pub embedded: bool,
    pub data_dir: PathBuf,
    pub db_max_connections: u32,
    /// JetStream; `None` means the in-process bus (embedded mode).
    pub nats: Option<NatsConfig>,
    pub serve: Option<ServeSettings>,
}

#[derive(Debug, Clone)]
pub struct ServeSettings {
    pub listen: SocketAddr,
    pub public_url: Url,
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
        let serve = serve.map(ServeSettings::resolve).transpose()?;
        let nats = match global.nats_url.as_deref().map(str::trim) {
            Some(url) if !url.is_empty() => Some(nats_config(url, global)?),
            _ => None,
        };
        Ok(Self {
            database_url,
            embedded,
            data_dir: global.data_dir.clone(),
            db_max_connections: global.db_max_connections,
            nats,
            serve,
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
        if let Some(serve) = &self.serve {
            let _ = writeln!(out, "  listen          {}", serve.listen);
            let _ = writeln!(out, "  public url      {}", serve.public_url);
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

impl ServeSettings {
    fn resolve(args: &ServeArgs) -> anyhow::Result<Self> {
        let public_url = match args.public_url.as_deref().map(str::trim) {
            Some(raw) if !raw.is_empty() => {
                let url = Url::parse(raw).with_context(|| {
                    format!("--public-url / PORTAL_PUBLIC_URL {raw:?} is not a valid URL")
                })?;
                if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
                    bail!("--public-url / PORTAL_PUBLIC_URL must be an http:// or https:// URL");
                }
                url
            }
            _ => {
                let host = if args.listen.ip().is_unspecified() {
                    "localhost".to_owned()
                } else {
                    args.listen.ip().to_string()
                };
                let port = args.listen.port();
                Url::parse(&format!("http://{host}:{port}/"))
                    .context("cannot derive the public URL from --listen")?
            }
        };
        Ok(Self {
            listen: args.listen,
            public_url,
        })
    }
}

fn check_database_url(raw: &str) -> anyhow::Result<String> {
    if let Some(rest) = raw.strip_prefix("sqlite:") {
        // Each pooled connection to an in-memory database gets its own empty database: migrations
        // would "succeed" on one connection and the tables be missing on the next.
        let path = rest.trim_start_matches("//");
        let path = path.split('?').next().unwrap_or_default();
        if path.is_empty() || path == ":memory:" || raw.contains("mode=memory") {
            bail!(
                "{DATABASE_SETTING} {raw:?} is an in-memory or empty SQLite path: give a file, \
                 e.g. sqlite://./portal-data/portal.db, or leave it unset for the embedded default"
            );
        }
        return Ok(raw.to_owned());
    }
    let url = Url::parse(raw)
        .map_err(|e| anyhow::anyhow!("{DATABASE_SETTING} is not a valid URL: {e}"))?;
    match url.scheme() {
        "postgres" | "postgresql" if url.host().is_some() => Ok(raw.to_owned()),
        "postgres" | "postgresql" => bail!("{DATABASE_SETTING} has no host"),
        other => bail!(
            "{DATABASE_SETTING} has the unsupported scheme {other:?}: use postgres://… or sqlite://…"
        ),
    }
}

fn nats_config(raw: &str, global: &GlobalArgs) -> anyhow::Result<NatsConfig> {
    const SETTING: &str = "--nats-url / NATS_URL";
    let url = Url::parse(raw).map_err(|e| anyhow::anyhow!("{SETTING} is not a valid URL: {e}"))?;
    if !matches!(url.scheme(), "nats" | "tls" | "ws" | "wss") || url.host().is_none() {
        bail!("{SETTING} must be nats://host:port (or tls://, ws://, wss://)");
    }
    let valid_token = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    };
    if !valid_token(&global.nats_stream) {
        bail!("--nats-stream / PORTAL_NATS_STREAM must be letters, digits, '_' or '-'");
    }
    if !global.nats_subject_prefix.split('.').all(valid_token) {
        bail!(
            "--nats-subject-prefix / PORTAL_NATS_SUBJECT_PREFIX must be dot-separated tokens \
             without wildcards"
        );
    }
    if !(1..=5).contains(&global.nats_replicas) {
        bail!("--nats-replicas / PORTAL_NATS_REPLICAS must be 1 to 5");
    }
    if global.nats_duplicate_window == 0 {
        bail!("--nats-duplicate-window / PORTAL_NATS_DUPLICATE_WINDOW must be at least 1 second");
    }
    Ok(NatsConfig {
        url: raw.to_owned(),
        stream: global.nats_stream.clone(),
        subject_prefix: global.nats_subject_prefix.clone(),
        replicas: global.nats_replicas,
        duplicate_window: Duration::from_secs(global.nats_duplicate_window),
    })
}

/// The innermost cause of an error as one line: sqlx repeats a cause's message in its own, so
/// printing the whole chain says the same thing two or three times.
pub fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut current = err;
    while let Some(next) = current.source() {
        current = next;
    }
    current.to_string()
}

/// Hides passwords in a URL (user info and `password=` style query parameters).
pub fn redact(raw: &str) -> String {
    let Ok(mut url) = Url::parse(raw) else {
        return raw.to_owned();
    };
    if url.password().is_some() {
        let _ = url.set_password(Some("***"));
    }
    let secret = |k: &str| {
        let k = k.to_ascii_lowercase();
        ["password", "pass", "secret", "token"]
            .iter()
            .any(|s| k.contains(s))
    };
    if url.query_pairs().any(|(k, _)| secret(&k)) {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| {
                let v = if secret(&k) {
                    "***".into()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }
    url.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords_in_user_info_and_query() {
        assert_eq!(
            redact("postgres://app:s3cret@db:5432/portal"),
            "postgres://app:***@db:5432/portal"
        );
        assert_eq!(
            redact("postgres://db/portal?user=app&password=s3cret"),
            "postgres://db/portal?user=app&password=***"
        );
        assert_eq!(redact("postgres://db/portal"), "postgres://db/portal");
    }

    #[test]
    fn database_url_errors_name_the_setting() {
        let err = check_database_url("mysql://db/portal")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("DATABASE_URL") && err.contains("mysql"),
            "{err}"
        );
        let err = check_database_url("not a url").unwrap_err().to_string();
        assert!(err.contains("DATABASE_URL"), "{err}");
        assert!(check_database_url("postgres://u@localhost/db").is_ok());
        assert!(check_database_url("sqlite://./x.db").is_ok());
        for in_memory in [
            "sqlite:",
            "sqlite::memory:",
            "sqlite://:memory:",
            "sqlite://x?mode=memory",
        ] {
            let err = check_database_url(in_memory).unwrap_err().to_string();
            assert!(
                err.contains("DATABASE_URL") && err.contains("in-memory"),
                "{err}"
            );
        }
    }
}
