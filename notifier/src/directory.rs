//! The notifier's view of the contacts (table `notifier_contacts`, one set per handler name):
//! who has portal access at which customer, with which roles and email preferences.
//!
//! Contract: [`apply`] runs in the transaction that moves the handler's checkpoint, event by
//! event in log order, so when an event is handled the table shows the contacts exactly as they
//! were at that event's place in the log. The recipients of an email are therefore the same
//! every time the event is handled (redelivery, restart, a replay from 0, which empties the table
//! first via [`clear`], in the transaction of the batch that starts at 0), and the outbox key (event, kind, recipient) can make it exactly once.

use crate::error::NotifierError;
use portal_domain::contact::{ContactEvent, ContactRole, Delivery, NotificationPreferences};
use portal_domain::{ContactId, CustomerId, UserId};
use sqlx::Row as _;

/// A contact as the notifier knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Known {
    pub contact_id: ContactId,
    pub customer_id: CustomerId,
    pub user_id: UserId,
    pub name: String,
    pub email: String,
    pub roles: Vec<ContactRole>,
    pub access: bool,
    pub preferences: NotificationPreferences,
}

fn role_name(role: ContactRole) -> &'static str {
    match role {
        ContactRole::Orders => "orders",
        ContactRole::Invoices => "invoices",
        ContactRole::Operations => "operations",
        ContactRole::Management => "management",
        ContactRole::Other => "other",
    }
}

fn parse_role(s: &str) -> Option<ContactRole> {
    [
        ContactRole::Orders,
        ContactRole::Invoices,
        ContactRole::Operations,
        ContactRole::Management,
        ContactRole::Other,
    ]
    .into_iter()
    .find(|r| role_name(*r) == s)
}

fn roles_text(roles: &[ContactRole]) -> String {
    roles
        .iter()
        .map(|r| role_name(*r))
        .collect::<Vec<_>>()
        .join(",")
}

/// Applies one contact event of `tenant` to the handler's table.
pub async fn apply(
    conn: &mut sqlx::AnyConnection,
    handler: &str,
    tenant: &str,
    event: &ContactEvent,
) -> Result<(), NotifierError> {
    use ContactEvent as E;
    match event {
        E::ContactAdded {
            contact_id,
            customer_id,
            name,
            email,
            roles,
            ..
        } => {
            let defaults = NotificationPreferences::default();
            sqlx::query(
                "INSERT INTO notifier_contacts (handler, contact_id, tenant, customer_id, \
                 user_id, name, email, roles, access, order_status, charge_approval) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $10) \
                 ON CONFLICT (handler, contact_id) DO UPDATE SET name = excluded.name, \
                 email = excluded.email, user_id = excluded.user_id, roles = excluded.roles",
            )
            .bind(handler)
            .bind(contact_id.to_string())
            .bind(tenant)
            .bind(customer_id.to_string())
            .bind(UserId::for_email(email).to_string())
            .bind(name.as_str())
            .bind(email.as_str())
            .bind(roles_text(roles))
            .bind(defaults.order_status.as_str())
            .bind(defaults.charge_approval.as_str())
            .execute(&mut *conn)
            .await?;
        }
        E::ContactUpdated {
            contact_id,
            name,
            email,
            roles,
            ..
        } => {
            sqlx::query(
                "UPDATE notifier_contacts SET name = $1, email = $2, user_id = $3, roles = $4 \
                 WHERE handler = $5 AND contact_id = $6",
            )
            .bind(name.as_str())
            .bind(email.as_str())
            .bind(UserId::for_email(email).to_string())
            .bind(roles_text(roles))
            .bind(handler)
            .bind(contact_id.to_string())
            .execute(&mut *conn)
            .await?;
        }
        E::ContactAccessGranted { contact_id, .. } => {
            set_access(conn, handler, contact_id, 1).await?
        }
        E::ContactAccessRevoked { contact_id, .. } | E::ContactRemoved { contact_id, .. } => {
            set_access(conn, handler, contact_id, 0).await?
        }
        E::ContactNotificationsChanged {
            contact_id,
            preferences,
            ..
        } => {
            sqlx::query(
                "UPDATE notifier_contacts SET order_status = $1, charge_approval = $2 \
                 WHERE handler = $3 AND contact_id = $4",
            )
            .bind(preferences.order_status.as_str())
            .bind(preferences.charge_approval.as_str())
            .bind(handler)
            .bind(contact_id.to_string())
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(())
}

async fn set_access(
    conn: &mut sqlx::AnyConnection,
    handler: &str,
    contact_id: &ContactId,
    access: i64,
) -> Result<(), NotifierError> {
    sqlx::query("UPDATE notifier_contacts SET access = $1 WHERE handler = $2 AND contact_id = $3")
        .bind(access)
        .bind(handler)
        .bind(contact_id.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

const COLUMNS: &str = "contact_id, customer_id, user_id, name, email, roles, access, \
                       order_status, charge_approval";

/// The contacts of a customer that have portal access now (at the handled event).
pub async fn with_access(
    conn: &mut sqlx::AnyConnection,
    handler: &str,
    customer_id: &CustomerId,
) -> Result<Vec<Known>, NotifierError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM notifier_contacts \
         WHERE handler = $1 AND customer_id = $2 AND access = 1 ORDER BY contact_id"
    ))
    .bind(handler)
    .bind(customer_id.to_string())
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(known).collect()
}

/// The contacts (any customer, with or without access) whose email is the identity `user_id`.
pub async fn of_user(
    conn: &mut sqlx::AnyConnection,
    handler: &str,
    user_id: &UserId,
) -> Result<Vec<Known>, NotifierError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM notifier_contacts WHERE handler = $1 AND user_id = $2 \
         ORDER BY contact_id"
    ))
    .bind(handler)
    .bind(user_id.to_string())
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(known).collect()
}

/// The tenants (slugs) where `user_id` is a contact with access (for the login-link email).
pub async fn tenants_of_user(
    pool: &sqlx::AnyPool,
    handler: &str,
    user_id: &UserId,
) -> Result<Vec<(String, String)>, NotifierError> {
    let rows = sqlx::query(
        "SELECT tenant, name FROM notifier_contacts WHERE handler = $1 AND user_id = $2 \
         AND access = 1 ORDER BY tenant, contact_id",
    )
    .bind(handler)
    .bind(user_id.to_string())
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}

/// Empties the handler's table (when it handles the log from position 0).
pub async fn clear(conn: &mut sqlx::AnyConnection, handler: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM notifier_contacts WHERE handler = $1")
        .bind(handler)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

fn known(r: &sqlx::any::AnyRow) -> Result<Known, NotifierError> {
    let id = |i: usize| -> Result<uuid::Uuid, NotifierError> {
        let s: String = r.try_get(i)?;
        uuid::Uuid::parse_str(&s).map_err(|_| NotifierError::Corrupt("notifier_contacts id"))
    };
    let delivery = |i: usize| -> Result<Delivery, NotifierError> {
        let s: String = r.try_get(i)?;
        Delivery::parse(&s).ok_or(NotifierError::Corrupt("notifier_contacts preference"))
    };
    let roles: String = r.try_get(5)?;
    let access: i64 = r.try_get(6)?;
    Ok(Known {
        contact_id: ContactId(id(0)?),
        customer_id: CustomerId(id(1)?),
        user_id: UserId(id(2)?),
        name: r.try_get(3)?,
        email: r.try_get(4)?,
        roles: roles.split(',').filter_map(parse_role).collect(),
        access: access == 1,
        preferences: NotificationPreferences {
            order_status: delivery(7)?,
            charge_approval: delivery(8)?,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_text() {
        let roles = vec![ContactRole::Invoices, ContactRole::Operations];
        let text = roles_text(&roles);
        assert_eq!(text, "invoices,operations");
        let back: Vec<ContactRole> = text.split(',').filter_map(parse_role).collect();
        assert_eq!(back, roles);
        assert!("".split(',').filter_map(parse_role).next().is_none());
    }
}
