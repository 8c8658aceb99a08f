//! Settings of `portal serve`: where to listen, the public URL, sessions, proxies and the HTTP
//! server's limits.

use crate::cli::ServeArgs;
use crate::http::HttpLimits;
use anyhow::{Context, bail};
use portal_api::IpCidr;
use portal_api::config::Secret;
use std::net::SocketAddr;
use std::time::Duration;
use url::Url;

#[derive(Debug, Clone)]
pub struct ServeSettings {
    pub listen: SocketAddr,
    pub public_url: Url,
    pub trusted_proxies: Vec<IpCidr>,
    pub session_idle: Duration,
    pub session_absolute: Duration,
    pub limits: HttpLimits,
    /// `--metrics-token`; `None` when unset or blank. Its `Debug` never shows it.
    pub metrics_token: Option<Secret>,
    /// `--metrics-listen`: /metrics on an address of its own.
    pub metrics_listen: Option<SocketAddr>,
}

impl ServeSettings {
    pub(super) fn resolve(args: &ServeArgs, public_url: Option<&Url>) -> anyhow::Result<Self> {
        let public_url = match public_url {
            Some(url) => url.clone(),
            None => {
                // Replaced by the bound address when the port is 0 (see serve.rs).
                let base = if args.listen.ip().is_unspecified() {
                    format!("http://localhost:{}/", args.listen.port())
                } else {
                    format!("http://{}/", args.listen)
                };
                Url::parse(&base).context("cannot derive the public URL from --listen")?
            }
        };
        let trusted_proxies = args
            .trusted_proxies
            .iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<IpCidr>()
                    .map_err(|e| anyhow::anyhow!("--trusted-proxies / PORTAL_TRUSTED_PROXIES: {e}"))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        if args.session_idle_minutes == 0 {
            bail!("--session-idle-minutes / PORTAL_SESSION_IDLE_MINUTES must be at least 1");
        }
        if args.session_absolute_hours == 0 {
            bail!("--session-absolute-hours / PORTAL_SESSION_ABSOLUTE_HOURS must be at least 1");
        }
        let limits = limits(args)?;
        let metrics_token = args
            .metrics_token
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned);
        if metrics_token.as_ref().is_some_and(|t| t.len() < 16) {
            bail!("--metrics-token / PORTAL_METRICS_TOKEN must be at least 16 characters long");
        }
        let metrics_token = metrics_token.map(Secret);
        if args.listen.port() != 0 && args.metrics_listen == Some(args.listen) {
            bail!("--metrics-listen / PORTAL_METRICS_LISTEN must differ from --listen");
        }
        Ok(Self {
            listen: args.listen,
            public_url,
            trusted_proxies,
            session_idle: Duration::from_secs(args.session_idle_minutes.saturating_mul(60)),
            session_absolute: Duration::from_secs(args.session_absolute_hours.saturating_mul(3600)),
            limits,
            metrics_token,
            metrics_listen: args.metrics_listen,
        })
    }
}

fn limits(args: &ServeArgs) -> anyhow::Result<HttpLimits> {
    let seconds = |value: u64, setting: &str| {
        if value == 0 {
            bail!("{setting} must be at least 1 (seconds)");
        }
        Ok(Duration::from_secs(value))
    };
    if args.max_connections == 0 {
        bail!("--max-connections / PORTAL_MAX_CONNECTIONS must be at least 1");
    }
    Ok(HttpLimits {
        header_read_timeout: seconds(
            args.header_read_timeout,
            "--header-read-timeout / PORTAL_HEADER_READ_TIMEOUT",
        )?,
        body_read_timeout: seconds(
            args.body_read_timeout,
            "--body-read-timeout / PORTAL_BODY_READ_TIMEOUT",
        )?,
        idle_timeout: seconds(args.idle_timeout, "--idle-timeout / PORTAL_IDLE_TIMEOUT")?,
        max_connections: args.max_connections,
    })
}

/// Parses `--public-url` / `PORTAL_PUBLIC_URL`.
pub(super) fn parse_public_url(raw: &str) -> anyhow::Result<Url> {
    let url = Url::parse(raw)
        .with_context(|| format!("--public-url / PORTAL_PUBLIC_URL {raw:?} is not a valid URL"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        bail!("--public-url / PORTAL_PUBLIC_URL must be an http:// or https:// URL");
    }
    Ok(url)
}
