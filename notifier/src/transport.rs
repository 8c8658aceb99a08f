//! [`Mailer`]: the ways an email leaves the process.
//!
//! - SMTP ([`Mailer::smtp`]): lettre's pooled `AsyncSmtpTransport` on Tokio. Encryption follows
//!   lettre's URL conventions: `smtp://host:port` plain, `smtp://host:port?tls=required`
//!   STARTTLS (`?tls=opportunistic` when offered), `smtps://host:port` implicit TLS; credentials
//!   from the URL's `user:password`, an EHLO name from its path.
//! - SMTP without a pool ([`Mailer::smtp_unpooled`]): one connection per email, for comparison
//!   (the benchmark) and for relays that dislike idle connections.
//! - File ([`Mailer::file`]): one `<uuid>.eml` per email in a folder (embedded mode; read back
//!   by [`crate::filebox`] for `/dev/mail`).

use lettre::transport::smtp::PoolConfig;
use lettre::{
    AsyncFileTransport, AsyncSmtpTransport, AsyncTransport as _, Message, Tokio1Executor,
};
use std::fmt;
use std::path::{Path, PathBuf};

/// Connections the pooled SMTP transport keeps open at most.
pub const SMTP_POOL_SIZE: u32 = 16;

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error(
        "invalid SMTP URL {0}: use smtp://host:port, smtp://host:port?tls=required or smtps://host:port"
    )]
    InvalidUrl(String),
    #[error("SMTP: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
    #[error("mail folder: {0}")]
    File(#[from] lettre::transport::file::Error),
    #[error("mail folder: {0}")]
    Io(#[from] std::io::Error),
}

/// A transport, chosen at start by configuration. Cheap to clone (shares the pool).
#[derive(Clone)]
pub enum Mailer {
    Smtp(SmtpMailer),
    File(FileMailer),
}

/// An SMTP transport (pooled or not) and its redacted description.
#[derive(Clone)]
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    described: String,
}

/// A folder of `.eml` files.
#[derive(Clone)]
pub struct FileMailer {
    transport: AsyncFileTransport<Tokio1Executor>,
    dir: PathBuf,
}

impl fmt::Debug for Mailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

impl Mailer {
    /// Pooled SMTP (up to [`SMTP_POOL_SIZE`] connections, reused across emails).
    pub fn smtp(url: &str) -> Result<Self, MailError> {
        Self::smtp_pooled(url, SMTP_POOL_SIZE)
    }

    /// Pooled SMTP with up to `max_size` connections (at least 1).
    pub fn smtp_pooled(url: &str, max_size: u32) -> Result<Self, MailError> {
        let max_size = max_size.max(1);
        Self::smtp_with_pool(
            url,
            PoolConfig::new().max_size(max_size),
            &format!("pooled, up to {max_size} connections"),
        )
    }

    /// SMTP with one connection per email (connect, EHLO, [AUTH,] send, QUIT).
    pub fn smtp_unpooled(url: &str) -> Result<Self, MailError> {
        // A pool that may park no connection: lettre closes (QUIT) each connection when its
        // email is sent instead of keeping it, so every email opens its own.
        Self::smtp_with_pool(
            url,
            PoolConfig::new().max_size(0).min_idle(0),
            "one connection per email",
        )
    }

    fn smtp_with_pool(url: &str, pool: PoolConfig, mode: &str) -> Result<Self, MailError> {
        let redacted = redact_url(url);
        let parsed = url::Url::parse(url).map_err(|_| MailError::InvalidUrl(redacted.clone()))?;
        if !matches!(parsed.scheme(), "smtp" | "smtps") {
            return Err(MailError::InvalidUrl(redacted));
        }
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)?
            .pool_config(pool)
            .build();
        Ok(Self::Smtp(SmtpMailer {
            transport,
            described: format!("SMTP {redacted} ({mode})"),
        }))
    }

    /// Writes each email as `<uuid>.eml` into `dir` (created if missing).
    pub fn file(dir: impl Into<PathBuf>) -> Result<Self, MailError> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir)?;
        Ok(Self::File(FileMailer {
            transport: AsyncFileTransport::new(&dir),
            dir,
        }))
    }

    /// What this mailer is, for the start-up banner and logs: never a password.
    pub fn describe(&self) -> String {
        match self {
            Self::Smtp(s) => s.described.clone(),
            Self::File(f) => format!("files in {}", f.dir.display()),
        }
    }

    /// The folder of the file transport.
    pub fn file_dir(&self) -> Option<&Path> {
        match self {
            Self::Smtp(_) => None,
            Self::File(f) => Some(&f.dir),
        }
    }

    /// Sends (or writes) one email; the envelope comes from its headers.
    pub async fn send(&self, message: &Message) -> Result<(), MailError> {
        let envelope = message.envelope();
        let raw = message.formatted();
        match self {
            Self::Smtp(s) => {
                s.transport.send_raw(envelope, &raw).await?;
            }
            Self::File(f) => {
                f.transport.send_raw(envelope, &raw).await?;
            }
        }
        Ok(())
    }

    /// Whether the SMTP server answers (always true for files).
    pub async fn test_connection(&self) -> Result<bool, MailError> {
        match self {
            Self::Smtp(s) => Ok(s.transport.test_connection().await?),
            Self::File(f) => Ok(f.dir.is_dir()),
        }
    }

    /// Closes pooled connections.
    pub async fn shutdown(&self) {
        if let Self::Smtp(s) = self {
            s.transport.shutdown().await;
        }
    }
}

/// `url` with its password replaced (and unparseable text withheld).
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            if u.password().is_some() {
                let _ = u.set_password(Some("redacted"));
            }
            u.to_string()
        }
        Err(_) => "<unparseable URL>".to_owned(),
    }
}

/// `text` with every word that looks like an email address replaced, for logs (SMTP replies
/// may quote the recipient).
pub fn redact_addresses(text: &str) -> String {
    text.split(' ')
        .map(|w| if w.contains('@') { "<address>" } else { w })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[tokio::test]
    async fn describe_redacts_the_password() {
        let m = Mailer::smtp("smtp://bob:s3cr%40t@mail.example:2525?tls=required").unwrap();
        let d = m.describe();
        assert!(d.contains("bob:redacted@mail.example:2525"), "{d}");
        assert!(!d.contains("s3cr"), "{d}");
        assert!(Mailer::smtp("smtps://mail.example").is_ok());
        assert!(matches!(
            Mailer::smtp("http://mail.example"),
            Err(MailError::InvalidUrl(_))
        ));
        let u = Mailer::smtp_unpooled("smtp://127.0.0.1:2525").unwrap();
        assert!(u.describe().contains("one connection per email"));
    }

    #[test]
    fn addresses_are_redacted_from_log_text() {
        assert_eq!(
            redact_addresses("550 <bob@x.example> unknown"),
            "550 <address> unknown"
        );
    }
}
