//! Cross-cutting HTTP concerns: security headers and the stylesheet ([`headers`]), CSRF
//! protection of forms ([`csrf`]) and of cookie-authenticated API calls ([`api_csrf`]), the
//! client's IP address behind trusted proxies ([`client_ip`]), the one query-string extractor
//! ([`query`]) and problem documents for every error answer of the JSON API ([`problem`]).

pub mod api_csrf;
pub mod client_ip;
pub mod csrf;
pub mod headers;
pub mod problem;
pub mod query;

pub use client_ip::ClientIp;
pub use csrf::CsrfToken;
pub use query::Query;
