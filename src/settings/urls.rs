//! Checks of the service URLs (database, NATS) and how URLs and errors are printed.

use super::DATABASE_SETTING;
use crate::cli::GlobalArgs;
use anyhow::bail;
use portal_eventlog::bus::NatsConfig;
use std::time::Duration;
use url::Url;

pub(super) fn check_database_url(raw: &str) -> anyhow::Result<String> {
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

pub(super) fn nats_config(raw: &str, global: &GlobalArgs) -> anyhow::Result<NatsConfig> {
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
