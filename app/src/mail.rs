//! The mail side as staff and operators see it, so that interfaces reach the notifier's tables
//! only through use cases: the tenant's emails that could not be delivered (dead letters) and
//! sending one again; the outbox's counts and the notifier's counters for `/metrics`; the file
//! mailbox of embedded mode (`/dev/mail`).

use crate::access::staff_only;
use crate::{Error, Principal};
use portal_identity::Db;
use portal_notifier::{filebox, outbox};
use std::path::PathBuf;
use time::OffsetDateTime;

pub use portal_notifier::filebox::{MailSummary, MailView};
pub use portal_notifier::outbox::{DeadLetter, MailKey, OutboxCounts};

/// The staff member's tenant's dead letters, newest first.
pub async fn dead_letters(db: &Db, principal: &Principal) -> Result<Vec<DeadLetter>, Error> {
    staff_only(principal)?;
    Ok(outbox::dead_letters(db, Some(principal.tenant())).await?)
}

/// Queues the dead email `key` of the staff member's tenant again (one conditional update).
/// Another tenant's email, or one that is not dead, is [`Error::NotFound`].
pub async fn send_again(
    db: &Db,
    principal: &Principal,
    key: MailKey<'_>,
    now: OffsetDateTime,
) -> Result<(), Error> {
    staff_only(principal)?;
    if !outbox::requeue(db, principal.tenant(), key, now).await? {
        return Err(Error::NotFound);
    }
    Ok(())
}

/// The outbox's emails by state, over every tenant (for `/metrics`).
pub async fn counts(db: &Db) -> Result<OutboxCounts, Error> {
    Ok(outbox::counts(db).await?)
}

/// The notifier's counters of this process: (name, help, value).
pub fn counters() -> [(&'static str, &'static str, u64); 5] {
    portal_notifier::metrics::snapshot()
}

/// The webhook dispatcher's counters of this process: (name, help, value).
pub fn webhook_counters() -> [(&'static str, &'static str, u64); 4] {
    portal_notifier::webhooks::metrics::snapshot()
}

/// The emails in the file mailbox `dir`, newest first (file reads off the async threads).
pub async fn file_mailbox(dir: PathBuf) -> Result<Vec<MailSummary>, Error> {
    tokio::task::spawn_blocking(move || filebox::list(&dir))
        .await
        .map_err(Error::internal)
}

/// One email of the file mailbox, `None` for an unknown or malformed id.
pub async fn file_mail(dir: PathBuf, id: String) -> Result<Option<MailView>, Error> {
    tokio::task::spawn_blocking(move || filebox::get(&dir, &id))
        .await
        .map_err(Error::internal)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests may unwrap

    use super::*;
    use portal_domain::{ContactId, CustomerId, TenantId, UserId};
    use portal_eventlog::testing::{Backend, TestStoreRef, with_store};
    use uuid::Uuid;

    fn staff(tenant: &str) -> Principal {
        Principal::staff(UserId(Uuid::now_v7()), TenantId::parse(tenant).unwrap())
    }

    /// One dead email of `tenant`.
    async fn dead(db: &Db, tenant: &str, event_id: &str) {
        sqlx::query(
            "INSERT INTO mail_outbox (event_id, kind, tenant, position, recipient, context, \
             status, attempts, next_attempt_at, last_error, message_id, created_at) \
             VALUES ($1, 'welcome', $2, 7, 'ann@example.com', '{}', 'dead', 8, 0, \
             'refused', $3, 0)",
        )
        .bind(event_id)
        .bind(tenant)
        .bind(format!("<{event_id}@portal>"))
        .execute(db.pool())
        .await
        .unwrap();
    }

    fn key(event_id: &str) -> MailKey<'_> {
        MailKey {
            event_id,
            kind: "welcome",
            recipient_key: "",
        }
    }

    async fn status(db: &Db, event_id: &str) -> String {
        sqlx::query_scalar("SELECT status FROM mail_outbox WHERE event_id = $1")
            .bind(event_id)
            .fetch_one(db.pool())
            .await
            .unwrap()
    }

    async fn only_the_tenants_staff_see_and_resend_its_dead_emails(t: TestStoreRef) {
        let db = Db::connect(&t.url, 2).await.unwrap();
        dead(&db, "acme", "e-acme").await;
        dead(&db, "other", "e-other").await;
        let acme = staff("acme");

        let seen = dead_letters(&db, &acme).await.unwrap();
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0].event_id, "e-acme");

        // Another tenant's email, an unknown one, and a portal user: not found, nothing queued.
        for (who, event_id) in [(&acme, "e-other"), (&acme, "e-none")] {
            let refused = send_again(&db, who, key(event_id), OffsetDateTime::now_utc());
            assert!(matches!(refused.await, Err(Error::NotFound)));
        }
        let portal = Principal {
            role: crate::principal::Role::Portal {
                customer_id: CustomerId(Uuid::now_v7()),
                contact_id: ContactId(Uuid::now_v7()),
            },
            ..staff("acme")
        };
        assert!(matches!(
            dead_letters(&db, &portal).await,
            Err(Error::NotFound)
        ));
        let refused = send_again(&db, &portal, key("e-acme"), OffsetDateTime::now_utc());
        assert!(matches!(refused.await, Err(Error::NotFound)));
        assert_eq!(status(&db, "e-other").await, "dead");
        assert_eq!(status(&db, "e-acme").await, "dead");

        send_again(&db, &acme, key("e-acme"), OffsetDateTime::now_utc())
            .await
            .unwrap();
        assert_eq!(status(&db, "e-acme").await, "pending");
        assert!(dead_letters(&db, &acme).await.unwrap().is_empty());
        // Queued again already: a second click finds nothing to send again.
        let twice = send_again(&db, &acme, key("e-acme"), OffsetDateTime::now_utc());
        assert!(matches!(twice.await, Err(Error::NotFound)));
        assert_eq!(counts(&db).await.unwrap().dead, 1);
    }

    #[tokio::test]
    async fn dead_emails_sqlite() {
        with_store(
            Backend::Sqlite,
            "dead_emails",
            only_the_tenants_staff_see_and_resend_its_dead_emails,
        )
        .await;
    }

    #[tokio::test]
    async fn dead_emails_postgres() {
        with_store(
            Backend::Postgres,
            "dead_emails",
            only_the_tenants_staff_see_and_resend_its_dead_emails,
        )
        .await;
    }
}
