//! The notifier of the portal: emails sent in answer to events (arrives with the identity issue).
//!
//! Planned layout: `render` (maud HTML + plain text for the welcome, login-link and password-reset
//! emails), `transport` (one enum over lettre's SMTP and file transports), `dedupe` (one row per
//! event id and email kind, so redeliveries and replays send nothing twice), `retry` (backoff and
//! dead letters) and `tokens` (login tokens: 256 random bits, only the SHA-256 stored).
