//! Webhook settings: whether endpoints may be on internal addresses, the retry schedule, and how
//! long an endpoint may fail before it is disabled.

use crate::cli::GlobalArgs;
use anyhow::bail;
use portal_notifier::webhooks::{Schedule, WebhookConfig};
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct WebhookSettings {
    pub allow_private: bool,
    pub schedule: Schedule,
    pub disable_after: Duration,
}

impl WebhookSettings {
    pub(super) fn resolve(global: &GlobalArgs) -> anyhow::Result<Self> {
        let schedule = Schedule::parse(&global.webhook_retry_schedule).map_err(|e| {
            anyhow::anyhow!("--webhook-retry-schedule / PORTAL_WEBHOOK_RETRY_SCHEDULE: {e}")
        })?;
        let disable_after = Schedule::parse(&global.webhook_disable_after)
            .ok()
            .filter(|s| s.max_attempts() == 2)
            .and_then(|s| s.retry_after(1));
        let Some(disable_after) = disable_after else {
            bail!(
                "--webhook-disable-after / PORTAL_WEBHOOK_DISABLE_AFTER: not one duration like \
                 `72h`"
            );
        };
        Ok(Self {
            allow_private: global.webhook_allow_private,
            schedule,
            disable_after,
        })
    }

    /// The dispatcher's configuration (Message-IDs of its emails in `mail_domain`).
    pub fn config(&self, mail_domain: &str) -> WebhookConfig {
        let mut config = WebhookConfig::new(mail_domain);
        config.allow_private = self.allow_private;
        config.schedule = self.schedule.clone();
        config.disable_after = self.disable_after;
        config
    }

    /// One line for the settings printed at start.
    pub fn describe(&self) -> String {
        let private = if self.allow_private {
            "private addresses allowed (--webhook-allow-private)"
        } else {
            "private addresses refused"
        };
        let disable = Schedule::new(vec![self.disable_after]).describe();
        format!(
            "{private}, retries {}, disabled after failing {disable}",
            self.schedule.describe()
        )
    }
}
