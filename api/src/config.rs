//! Configuration of the identity half of the interface: the public URL (cookie `Secure` and
//! `__Host-` names, HSTS, CSRF origin check), session timeouts, trusted reverse proxies, rate
//! limits, and who may read `/metrics`.

use portal_identity::server_keys::ServerKey;
use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;
use tokio_util::task::TaskTracker;
use url::Url;

/// What the binary configures about logins and sessions.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// The base of links in emails; its scheme decides whether cookies get `Secure`, its origin
    /// is the only one allowed in the `Origin` header of a form post.
    pub public_url: Url,
    /// A session ends after this long without a request.
    pub session_idle: Duration,
    /// A session ends this long after its login, however active.
    pub session_absolute: Duration,
    /// Reverse proxies whose `X-Forwarded-For` is believed (see [`crate::web::client_ip`]).
    pub trusted_proxies: Vec<IpCidr>,
    pub limits: RateLimits,
    /// Embedded mode: the folder the file mail transport writes `.eml` files to, listed at
    /// `/dev/mail` (only then, and only to this machine).
    pub dev_mail_dir: Option<PathBuf>,
    /// Work done off the response path (login-link requests). `portal serve` closes it and waits
    /// for it (bounded) at shutdown; tests wait on it with [`AuthConfig::settle`].
    pub background: TaskTracker,
    /// The key of CSRF tokens (loaded from the database on first use).
    pub csrf_key: ServerKey,
    /// Checks the one-click unsubscribe links of emails (the notifier signs them with the same
    /// key, shared through `server_keys`).
    pub unsubscribe_key: ServerKey,
    /// When set, `/metrics` answers only `Authorization: Bearer <this token>`.
    pub metrics_token: Option<Secret>,
    /// `/metrics` is served on an address of its own (not by [`crate::router`]).
    pub metrics_elsewhere: bool,
    /// `--webhook-allow-private`: webhook URLs may point to internal addresses.
    pub webhook_allow_private: bool,
}

/// A configured secret: compared in constant time, never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl Secret {
    /// Whether `offered` is this secret.
    pub fn matches(&self, offered: &str) -> bool {
        crate::web::csrf::constant_time_eq(offered.as_bytes(), self.0.as_bytes())
    }
}

impl AuthConfig {
    /// Defaults: idle 2 h, absolute 12 h, no trusted proxy, [`RateLimits::default`], no dev mail.
    pub fn new(public_url: Url) -> Self {
        Self {
            public_url,
            session_idle: Duration::from_secs(2 * 3600),
            session_absolute: Duration::from_secs(12 * 3600),
            trusted_proxies: Vec::new(),
            limits: RateLimits::default(),
            dev_mail_dir: None,
            background: TaskTracker::new(),
            csrf_key: ServerKey::new(crate::web::csrf::KEY_NAME),
            unsubscribe_key: ServerKey::new(portal_app::portal::notifications::LINK_KEY_NAME),
            metrics_token: None,
            metrics_elsewhere: false,
            webhook_allow_private: false,
        }
    }

    /// Whether cookies carry `Secure` (the public URL is https).
    pub fn secure_cookies(&self) -> bool {
        self.public_url.scheme() == "https"
    }

    /// The session cookie's name: behind https with the `__Host-` prefix, which browsers accept
    /// only from a secure origin, `Secure`, with `Path=/` and no `Domain` (so that no other host of
    /// the domain can plant or shadow it).
    pub fn session_cookie(&self) -> &'static str {
        if self.secure_cookies() {
            crate::SECURE_SESSION_COOKIE
        } else {
            crate::SESSION_COOKIE
        }
    }

    /// The public URL's origin, as browsers send it in `Origin` (`https://portal.example`).
    pub fn origin(&self) -> String {
        self.public_url.origin().ascii_serialization()
    }

    /// Waits until every background task spawned so far has finished.
    pub async fn settle(&self) {
        self.background.close();
        self.background.wait().await;
        self.background.reopen();
    }
}

/// Fixed-window limits, counted in the database (shared by every process).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimits {
    pub window: Duration,
    /// Login and password-reset link requests per email and window.
    pub link_per_email: u32,
    /// Link requests per client IP and window.
    pub link_per_ip: u32,
    /// Password tries (login, and the current password on change) per email and window.
    pub password_per_email: u32,
    pub password_per_ip: u32,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            window: Duration::from_secs(15 * 60),
            link_per_email: 5,
            link_per_ip: 30,
            password_per_email: 10,
            password_per_ip: 50,
        }
    }
}

/// An address block (`10.0.0.0/8`, `fd00::/8`) or one address (`192.0.2.7`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpCidr {
    addr: IpAddr,
    prefix: u8,
}

impl IpCidr {
    /// `None` when the prefix is longer than the address.
    pub fn new(addr: IpAddr, prefix: u8) -> Option<Self> {
        let max = if addr.is_ipv4() { 32 } else { 128 };
        (prefix <= max).then_some(Self { addr, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        match (canonical(self.addr), ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// IPv4-mapped IPv6 addresses (`::ffff:192.0.2.7`, as dual-stack sockets report peers) as IPv4.
pub(crate) fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

impl From<IpAddr> for IpCidr {
    fn from(addr: IpAddr) -> Self {
        let prefix = if addr.is_ipv4() { 32 } else { 128 };
        Self { addr, prefix }
    }
}

impl FromStr for IpCidr {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let bad = || format!("{s:?} is not an IP address or CIDR block (e.g. 10.0.0.0/8)");
        match s.split_once('/') {
            None => s.parse::<IpAddr>().map(Self::from).map_err(|_| bad()),
            Some((addr, prefix)) => {
                let addr = addr.parse::<IpAddr>().map_err(|_| bad())?;
                let prefix = prefix.parse::<u8>().map_err(|_| bad())?;
                Self::new(addr, prefix).ok_or_else(bad)
            }
        }
    }
}

impl fmt::Display for IpCidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_contain_their_addresses() {
        let net: IpCidr = "10.0.0.0/8".parse().unwrap();
        assert!(net.contains("10.1.2.3".parse().unwrap()));
        assert!(net.contains("::ffff:10.1.2.3".parse().unwrap()));
        assert!(!net.contains("11.0.0.1".parse().unwrap()));
        let one: IpCidr = "192.0.2.7".parse().unwrap();
        assert!(one.contains("192.0.2.7".parse().unwrap()));
        assert!(!one.contains("192.0.2.8".parse().unwrap()));
        let all: IpCidr = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains("203.0.113.9".parse().unwrap()));
        let v6: IpCidr = "fd00::/8".parse().unwrap();
        assert!(v6.contains("fd12::1".parse().unwrap()));
        assert!(!v6.contains("10.0.0.1".parse().unwrap()));
        assert!("10.0.0.0/33".parse::<IpCidr>().is_err());
        assert!("nonsense".parse::<IpCidr>().is_err());
        assert_eq!(net.to_string(), "10.0.0.0/8");
    }

    #[test]
    fn cookies_are_secure_behind_https() {
        let c = AuthConfig::new("https://portal.example/".parse().unwrap());
        assert!(c.secure_cookies());
        assert_eq!(c.origin(), "https://portal.example");
        assert_eq!(c.session_cookie(), "__Host-portal_session");
        let c = AuthConfig::new("http://127.0.0.1:8080".parse().unwrap());
        assert!(!c.secure_cookies());
        assert_eq!(c.origin(), "http://127.0.0.1:8080");
        assert_eq!(c.session_cookie(), "portal_session");
    }
}
