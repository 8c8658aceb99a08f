//! The client's IP address, for rate limits.
//!
//! It is the TCP peer, unless the peer is one of the configured trusted proxies: then it is the
//! right-most `X-Forwarded-For` entry that is not a trusted proxy (each proxy appends the address
//! it received from, so entries to the left of the first untrusted one are whatever the client
//! chose to send). The first entry is never taken blindly. Without connection info (router tests)
//! the peer counts as 127.0.0.1.

use crate::AppState;
use crate::config::{IpCidr, canonical};
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// The client address of a request (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::LOCALHOST), |c| c.0.ip());
        Ok(Self(client_ip(
            peer,
            &parts.headers,
            &state.auth.trusted_proxies,
        )))
    }
}

/// The client address behind `peer` (see the module docs).
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpCidr]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|net| net.contains(ip));
    let mut client = canonical(peer);
    if !is_trusted(client) {
        return client;
    }
    let entries: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    for entry in entries.into_iter().rev() {
        let Some(ip) = parse_entry(entry) else {
            // Garbage: nothing to its left can be believed; the last trusted hop is the client.
            return client;
        };
        client = canonical(ip);
        if !is_trusted(client) {
            return client;
        }
    }
    client
}

/// `192.0.2.7`, `192.0.2.7:1234`, `2001:db8::1` or `[2001:db8::1]:1234`.
fn parse_entry(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xff(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", v.parse().unwrap());
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn untrusted_peers_are_the_client_whatever_they_forward() {
        let trusted = ["10.0.0.0/8".parse().unwrap()];
        assert_eq!(
            client_ip(ip("198.51.100.4"), &xff("1.2.3.4"), &trusted),
            ip("198.51.100.4")
        );
        assert_eq!(
            client_ip(ip("10.0.0.1"), &xff("1.2.3.4"), &[]),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn behind_trusted_proxies_the_rightmost_untrusted_entry_counts() {
        let trusted = ["10.0.0.0/8".parse().unwrap()];
        let peer = ip("10.0.0.1");
        assert_eq!(
            client_ip(peer, &xff("6.6.6.6, 203.0.113.5, 10.0.0.2"), &trusted),
            ip("203.0.113.5")
        );
        assert_eq!(
            client_ip(peer, &xff("[2001:db8::1]:443"), &trusted),
            ip("2001:db8::1")
        );
        // Everything trusted: the left-most proxy is as far as we can see.
        assert_eq!(client_ip(peer, &xff("10.0.0.3"), &trusted), ip("10.0.0.3"));
        assert_eq!(
            client_ip(peer, &xff("junk, 10.0.0.3"), &trusted),
            ip("10.0.0.3")
        );
        assert_eq!(client_ip(peer, &HeaderMap::new(), &trusted), peer);
    }
}
