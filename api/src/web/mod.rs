//! Cross-cutting HTTP concerns: security headers and the stylesheet ([`headers`]), CSRF
//! protection of forms ([`csrf`]) and the client's IP address behind trusted proxies
//! ([`client_ip`]).

pub mod client_ip;
pub mod csrf;
pub mod headers;

pub use client_ip::ClientIp;
pub use csrf::CsrfToken;
