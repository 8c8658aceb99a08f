//! Mail settings: the SMTP server (or the file transport) and the sender's addresses.

use anyhow::{Context, bail};
use lettre::message::Mailbox;
use std::path::{Path, PathBuf};
use std::time::Duration;
use url::Url;

use super::redact;
use crate::cli::GlobalArgs;

#[derive(Debug, Clone)]
pub struct MailSettings {
    /// `None`: the file transport under [`MailSettings::file_dir`].
    pub smtp_url: Option<String>,
    pub smtp_pool: u32,
    /// How long a claimed outbox row stays hidden from other senders.
    pub lease: Duration,
    pub from: Mailbox,
    pub reply_to: Option<Mailbox>,
}

impl MailSettings {
    pub(super) fn resolve(global: &GlobalArgs) -> anyhow::Result<Self> {
        let smtp_url = match global.smtp_url.as_deref().map(str::trim) {
            Some(raw) if !raw.is_empty() => Some(check_smtp_url(raw)?),
            _ => None,
        };
        if global.smtp_pool == 0 {
            bail!("--smtp-pool / PORTAL_SMTP_POOL must be at least 1");
        }
        if global.mail_lease == 0 {
            bail!("--mail-lease / PORTAL_MAIL_LEASE must be at least 1 (seconds)");
        }
        let from = global.mail_from.parse::<Mailbox>().with_context(|| {
            format!(
                "--mail-from / PORTAL_MAIL_FROM {:?} is not an address like \"Portal <portal@example.com>\"",
                global.mail_from
            )
        })?;
        let reply_to = match global.mail_reply_to.as_deref().map(str::trim) {
            Some(raw) if !raw.is_empty() => Some(raw.parse::<Mailbox>().with_context(|| {
                format!("--mail-reply-to / PORTAL_MAIL_REPLY_TO {raw:?} is not an email address")
            })?),
            _ => None,
        };
        Ok(Self {
            smtp_url,
            smtp_pool: global.smtp_pool,
            lease: Duration::from_secs(global.mail_lease),
            from,
            reply_to,
        })
    }

    /// Where the file transport writes `.eml` files.
    pub fn file_dir(data_dir: &Path) -> PathBuf {
        data_dir.join("mail")
    }

    /// One line for the start banner (password redacted).
    pub fn describe(&self, data_dir: &Path) -> String {
        match &self.smtp_url {
            Some(url) => format!(
                "smtp {} (pool {}) from {}",
                redact(url),
                self.smtp_pool,
                self.from
            ),
            None => format!(
                "files under {} (no SMTP_URL) from {}",
                Self::file_dir(data_dir).display(),
                self.from
            ),
        }
    }
}

fn check_smtp_url(raw: &str) -> anyhow::Result<String> {
    const SETTING: &str = "--smtp-url / SMTP_URL";
    let url = Url::parse(raw).map_err(|e| anyhow::anyhow!("{SETTING} is not a valid URL: {e}"))?;
    if !matches!(url.scheme(), "smtp" | "smtps") || url.host().is_none() {
        bail!("{SETTING} must be smtp://host:port or smtps://host:port");
    }
    Ok(raw.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls_are_checked() {
        assert!(check_smtp_url("smtp://mail:25").is_ok());
        assert!(check_smtp_url("smtps://u:p@mail:465").is_ok());
        let err = check_smtp_url("http://mail").unwrap_err().to_string();
        assert!(err.contains("SMTP_URL"), "{err}");
        let err = check_smtp_url("nonsense").unwrap_err().to_string();
        assert!(err.contains("SMTP_URL"), "{err}");
    }
}
