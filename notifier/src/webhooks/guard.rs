//! The address guard against server-side request forgery: webhook URLs are `http` or `https`
//! without credentials, and may not reach loopback, private, link-local, unique-local,
//! unspecified, multicast, CGNAT or cloud-metadata addresses unless private addresses are allowed
//! (`--webhook-allow-private`: embedded mode and tests). The cloud-metadata addresses
//! (169.254.169.254, fd00:ec2::254) are refused even then.
//!
//! Checked at registration ([`check_registration`]) and at every attempt: an IP-literal host by
//! [`check_url`], a name by [`GuardedResolver`], the HTTP client's DNS resolver, which drops the
//! forbidden addresses of every answer. The client connects only to addresses the guard saw, so
//! a name that changes its answer after registration (DNS rebinding) cannot pass.

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::pin::Pin;
use url::{Host, Url};

/// Why a URL is refused (the text is shown to the user, under the `url` field).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GuardError {
    #[error("is not an absolute http or https URL")]
    NotHttp,
    #[error("must not contain a user name or password")]
    Credentials,
    #[error("has no host")]
    NoHost,
    #[error(
        "points to a loopback, private, link-local or otherwise internal address, which webhooks \
         may not reach"
    )]
    Private,
    #[error("the host name does not resolve")]
    Unresolved,
}

const METADATA_V4: Ipv4Addr = Ipv4Addr::new(169, 254, 169, 254);
const METADATA_V6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x0254);

/// Whether `ip` is a cloud-metadata address (refused always).
pub fn is_metadata(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4 == METADATA_V4,
        IpAddr::V6(v6) => v6 == METADATA_V6 || v6.to_ipv4_mapped() == Some(METADATA_V4),
    }
}

/// Whether `ip` is internal: loopback, private, link-local, unique-local, unspecified,
/// multicast, CGNAT (100.64.0.0/10), broadcast or reserved, or a cloud-metadata address.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => internal_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => internal_v4(v4),
            None => {
                let first = v6.segments()[0];
                v6.is_loopback()
                    || v6.is_unspecified()
                    || v6.is_multicast()
                    // fe80::/10 link-local, fc00::/7 unique-local (fd00:ec2::254 among them).
                    || (first & 0xffc0) == 0xfe80
                    || (first & 0xfe00) == 0xfc00
            }
        },
    }
}

fn internal_v4(v4: Ipv4Addr) -> bool {
    let [a, b, ..] = v4.octets();
    v4.is_loopback()
        || v4.is_private()
        || v4.is_link_local()
        || v4.is_multicast()
        || v4.is_broadcast()
        || a == 0
        || (a == 100 && (64..128).contains(&b))
        || a >= 240
}

/// Whether the guard lets a connection to `ip` through.
pub fn allowed(ip: IpAddr, allow_private: bool) -> bool {
    !is_metadata(ip) && (allow_private || !is_internal(ip))
}

/// Parses and checks the URL's form, and its host when that is an IP address.
pub fn check_url(raw: &str, allow_private: bool) -> Result<Url, GuardError> {
    let url = Url::parse(raw.trim()).map_err(|_| GuardError::NotHttp)?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(GuardError::NotHttp);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(GuardError::Credentials);
    }
    let ip = match url.host() {
        None => return Err(GuardError::NoHost),
        Some(Host::Ipv4(v4)) => Some(IpAddr::V4(v4)),
        Some(Host::Ipv6(v6)) => Some(IpAddr::V6(v6)),
        Some(Host::Domain(_)) => None,
    };
    if let Some(ip) = ip
        && !allowed(ip, allow_private)
    {
        return Err(GuardError::Private);
    }
    Ok(url)
}

/// The registration check: [`check_url`], then every address the host name resolves to (one
/// internal address is enough to refuse it).
pub async fn check_registration(raw: &str, allow_private: bool) -> Result<Url, GuardError> {
    let url = check_url(raw, allow_private)?;
    if let Some(Host::Domain(name)) = url.host() {
        let port = url.port_or_known_default().unwrap_or(443);
        let addrs: Vec<SocketAddr> = tokio::net::lookup_host((name, port))
            .await
            .map_err(|_| GuardError::Unresolved)?
            .collect();
        if addrs.is_empty() {
            return Err(GuardError::Unresolved);
        }
        if addrs.iter().any(|a| !allowed(a.ip(), allow_private)) {
            return Err(GuardError::Private);
        }
    }
    Ok(url)
}

/// The HTTP client's DNS resolver: the system's answers without the forbidden addresses; an
/// error when none is left.
#[derive(Debug, Clone, Copy)]
pub struct GuardedResolver {
    pub allow_private: bool,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_private = self.allow_private;
        let fut: Pin<Box<dyn Future<Output = _> + Send>> = Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((name.as_str(), 0))
                .await?
                .filter(|a| allowed(a.ip(), allow_private))
                .collect();
            if addrs.is_empty() {
                return Err(
                    Box::new(GuardError::Private) as Box<dyn std::error::Error + Send + Sync>
                );
            }
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        });
        fut
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn internal_addresses_are_recognised() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "169.254.1.1",
            "0.0.0.0",
            "224.0.0.1",
            "100.64.0.1",
            "100.127.255.254",
            "255.255.255.255",
            "::1",
            "::",
            "fe80::1",
            "fc00::1",
            "fd00:ec2::254",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
        ] {
            assert!(is_internal(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["93.184.216.34", "100.128.0.1", "8.8.8.8", "2606:4700::1111"] {
            assert!(!is_internal(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn urls_are_checked_for_form_and_literal_hosts() {
        assert!(check_url("https://hooks.example.com/x", false).is_ok());
        assert_eq!(
            check_url("ftp://example.com/", false),
            Err(GuardError::NotHttp)
        );
        assert_eq!(check_url("not a url", false), Err(GuardError::NotHttp));
        assert_eq!(
            check_url("https://user:pw@example.com/", false),
            Err(GuardError::Credentials)
        );
        assert_eq!(
            check_url("http://127.0.0.1:8080/", false),
            Err(GuardError::Private)
        );
        assert_eq!(check_url("http://[::1]/", false), Err(GuardError::Private));
        assert!(check_url("http://127.0.0.1:8080/", true).is_ok());
        // Metadata: refused even where private addresses are allowed.
        assert_eq!(
            check_url("http://169.254.169.254/latest", true),
            Err(GuardError::Private)
        );
        assert_eq!(
            check_url("http://[fd00:ec2::254]/", true),
            Err(GuardError::Private)
        );
    }

    #[tokio::test]
    async fn names_are_resolved_and_filtered() {
        assert_eq!(
            check_registration("http://localhost:9/", false).await,
            Err(GuardError::Private)
        );
        assert!(
            check_registration("http://localhost:9/", true)
                .await
                .is_ok()
        );
        let resolver = GuardedResolver {
            allow_private: false,
        };
        let name: reqwest::dns::Name = "localhost".parse().unwrap();
        assert!(
            reqwest::dns::Resolve::resolve(&resolver, name)
                .await
                .is_err()
        );
    }
}
