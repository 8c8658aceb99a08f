//! [`NotifierConfig`]: where links point, who the emails are from, and how the sender retries.

use lettre::message::Mailbox;
use portal_identity::server_keys::ServerKey;
use portal_identity::tokens::TOKEN_TTL;
use std::time::Duration;
use url::Url;

/// Checkpoint name of the event handler in `notifier_checkpoints`.
pub const CHECKPOINT_NAME: &str = "notifier";

/// Settings of the notifier. Build with [`NotifierConfig::new`] and adjust the public fields.
#[derive(Debug, Clone)]
pub struct NotifierConfig {
    /// The base of every link in an email (`--public-url`); links are built from it only.
    pub public_url: Url,
    /// `From` of every email; its domain also names the Message-IDs.
    pub from: Mailbox,
    pub reply_to: Option<Mailbox>,
    /// How long an emailed login link works; a request older than this is not sent any more.
    pub token_ttl: Duration,
    /// Tries per email before it is dead-lettered (at least 1).
    pub max_attempts: u32,
    /// Delay after the first failed try; doubles after each further failure ...
    pub retry_base: Duration,
    /// ... up to this.
    pub retry_cap: Duration,
    /// The sender's slow poll of the outbox (it is woken at once when new rows are committed, and
    /// wakes itself when a retry falls due).
    pub poll: Duration,
    /// How long a claimed row stays invisible to other senders: a process that dies while
    /// sending releases its rows after this (the email may then go out a second time, with the
    /// same Message-ID).
    pub lease: Duration,
    /// Rows claimed per pass.
    pub batch: u32,
    /// Emails sent at once.
    pub concurrency: usize,
    /// Checkpoint name of the event handler (one per notifier deployment).
    pub checkpoint_name: String,
    /// Order-status and charge news older than this when handled is not emailed (a replay
    /// from position 0 must not tell people last month's news).
    pub news_max_age: Duration,
    /// Signs the one-click unsubscribe links (shared by every process through `server_keys`).
    pub unsubscribe_key: ServerKey,
}

impl NotifierConfig {
    pub fn new(public_url: Url, from: Mailbox) -> Self {
        Self {
            public_url,
            from,
            reply_to: None,
            token_ttl: TOKEN_TTL,
            max_attempts: 6,
            retry_base: Duration::from_secs(2),
            retry_cap: Duration::from_secs(10 * 60),
            poll: Duration::from_secs(10),
            lease: Duration::from_secs(5 * 60),
            batch: 64,
            concurrency: 8,
            checkpoint_name: CHECKPOINT_NAME.to_owned(),
            news_max_age: Duration::from_secs(3 * 24 * 3600),
            unsubscribe_key: ServerKey::new(crate::unsubscribe::KEY),
        }
    }

    /// The domain of the `From` address (the right-hand side of Message-IDs).
    pub fn message_id_domain(&self) -> &str {
        self.from.email.domain()
    }

    /// The delay before try `failed + 1`, after `failed` failed tries (`failed` ≥ 1).
    pub fn backoff(&self, failed: u32) -> Duration {
        let factor = 2u32.saturating_pow(failed.saturating_sub(1).min(31));
        self.retry_base
            .checked_mul(factor)
            .unwrap_or(self.retry_cap)
            .min(self.retry_cap)
    }

    /// `{public_url}{path}` (the base's own path kept, query and fragment dropped), with
    /// `?token=` when given.
    pub fn link(&self, path: &str, token: Option<&str>) -> Url {
        let mut url = self.public_url.clone();
        let base = url.path().trim_end_matches('/').to_owned();
        url.set_path(&format!("{base}{path}"));
        url.set_query(None);
        url.set_fragment(None);
        if let Some(token) = token {
            url.query_pairs_mut().append_pair("token", token);
        }
        url
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn config(base: &str) -> NotifierConfig {
        NotifierConfig::new(
            Url::parse(base).unwrap(),
            "Portal <portal@carrier.example>".parse().unwrap(),
        )
    }

    #[test]
    fn links_keep_the_base_path() {
        let c = config("https://portal.example/base/?x=1#f");
        assert_eq!(
            c.link("/login", None).as_str(),
            "https://portal.example/base/login"
        );
        let c = config("http://127.0.0.1:8080");
        assert_eq!(
            c.link("/login/continue", Some("abc-_9")).as_str(),
            "http://127.0.0.1:8080/login/continue?token=abc-_9"
        );
        assert_eq!(c.message_id_domain(), "carrier.example");
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let mut c = config("https://p.example");
        c.retry_base = Duration::from_secs(2);
        c.retry_cap = Duration::from_secs(60);
        assert_eq!(c.backoff(1), Duration::from_secs(2));
        assert_eq!(c.backoff(2), Duration::from_secs(4));
        assert_eq!(c.backoff(5), Duration::from_secs(32));
        assert_eq!(c.backoff(6), Duration::from_secs(60));
        assert_eq!(c.backoff(100), Duration::from_secs(60));
    }
}
