//! Cross-cutting HTTP concerns: security headers and the stylesheet ([`headers`]), CSRF
//! protection of forms ([`csrf`]), the client's IP address behind trusted proxies
//! ([`client_ip`]) and the one query-string extractor ([`query`]).

pub mod client_ip;
pub mod csrf;
pub mod headers;
pub mod query;

pub use client_ip::ClientIp;
pub use csrf::CsrfToken;
pub use query::Query;
