//! People: who an actor id stands for, so that histories can name the person behind an event
//! (event metadata carries ids only; names and emails are looked up here at read time).
//!
//! One row per staff member (key `staff:<user_id>`, with their display name if they have one)
//! and per contact (key `contact:<contact_id>`), with the last known name and email. Rows are never deleted: a removed staff member or contact
//! keeps their label (`present` turns false), and a contact whose email changed keeps the
//! identities it had before (`former_user_ids`), so old events still find their person.
//!
//! Hazard: rows hold names and emails (PII). Staff may read them; a portal user may only be shown
//! the names of their own customer's contacts ([`for_actor`] answers by the actor's customer,
//! and callers show a portal reader nothing else).

use super::common::invalid_in;
use super::sql::{Sql, by_key, doc_at};
use crate::ctx::Ctx;
use crate::error::{ApplyError, QueryError};
use crate::event::{Decoded, Event};
use crate::prefetch::Prefetch;
use crate::projection::Projection;
use crate::rows::{ColValue, Column, Row, Table};
use crate::store::ReadDb;
use futures::future::BoxFuture;
use portal_domain::contact::{Contact, ContactEvent};
use portal_domain::tenant::{Tenant, TenantEvent};
use portal_domain::values::Email;
use portal_domain::{Actor, Aggregate, ContactId, CustomerId, TenantId, UserId};
use serde::{Deserialize, Serialize};

/// Whether a person is the carrier's staff or a customer's contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PersonKind {
    Staff,
    Contact,
}

/// A person of a tenant, as last known.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonRow {
    pub tenant: TenantId,
    pub kind: PersonKind,
    /// The login identity (`UserId::for_email` of the current email).
    pub user_id: UserId,
    /// Identities of earlier emails of a contact.
    #[serde(default)]
    pub former_user_ids: Vec<UserId>,
    pub contact_id: Option<ContactId>,
    pub customer_id: Option<CustomerId>,
    /// A contact's name, a staff member's display name; `None` for staff without one (their
    /// email is their label).
    pub name: Option<String>,
    pub email: Email,
    /// False once the staff member or contact was removed.
    pub present: bool,
}

impl PersonRow {
    /// What to call the person: the name, else the email.
    pub fn label(&self) -> &str {
        self.name.as_deref().unwrap_or(self.email.as_str())
    }

    fn key_of(&self) -> String {
        match self.contact_id {
            Some(c) => format!("contact:{c}"),
            None => format!("staff:{}", self.user_id),
        }
    }
}

pub static PEOPLE: Table = Table {
    name: "rm_people",
    columns: &[Column::text("customer_id").indexed()],
    indexes: &[],
};

impl Row for PersonRow {
    const TABLE: &'static Table = &PEOPLE;
    fn tenant(&self) -> &TenantId {
        &self.tenant
    }
    fn key(&self) -> String {
        self.key_of()
    }
    fn columns(&self) -> Vec<ColValue> {
        vec![
            self.customer_id
                .map_or_else(String::new, |c| c.to_string())
                .into(),
        ]
    }
}

static TABLES: [&Table; 1] = [&PEOPLE];

/// Projection `people`.
pub struct PeopleProjection;

impl Projection for PeopleProjection {
    fn name(&self) -> &'static str {
        "people"
    }
    fn version(&self) -> u32 {
        1
    }
    fn tables(&self) -> &'static [&'static Table] {
        &TABLES
    }
    fn apply<'a, 'b: 'a>(
        &'a self,
        ctx: &'a mut Ctx<'b>,
        event: Event<'a>,
    ) -> BoxFuture<'a, Result<(), ApplyError>> {
        Box::pin(async move {
            if let Some(e) = invalid_in(&event, &[Tenant::CATEGORY, Contact::CATEGORY]) {
                return Err(e);
            }
            let tenant = event.tenant().clone();
            match event.decoded {
                Decoded::Tenant(TenantEvent::StaffMemberAdded {
                    user_id,
                    email,
                    name,
                }) => {
                    ctx.put(PersonRow {
                        tenant,
                        kind: PersonKind::Staff,
                        user_id: *user_id,
                        former_user_ids: Vec::new(),
                        contact_id: None,
                        customer_id: None,
                        name: name.as_ref().map(|n| n.as_str().to_owned()),
                        email: email.clone(),
                        present: true,
                    });
                }
                Decoded::Tenant(TenantEvent::StaffMemberRenamed { user_id, name }) => {
                    let key = format!("staff:{user_id}");
                    if let Some(row) = ctx.get_mut::<PersonRow>(&tenant, &key).await? {
                        row.name = Some(name.as_str().to_owned());
                    }
                }
                Decoded::Tenant(TenantEvent::StaffMemberRemoved { user_id }) => {
                    let key = format!("staff:{user_id}");
                    if let Some(row) = ctx.get_mut::<PersonRow>(&tenant, &key).await? {
                        row.present = false;
                    }
                }
                Decoded::Contact(
                    ContactEvent::ContactAdded {
                        contact_id,
                        customer_id,
                        name,
                        email,
                        ..
                    }
                    | ContactEvent::ContactUpdated {
                        contact_id,
                        customer_id,
                        name,
                        email,
                        ..
                    },
                ) => {
                    let key = format!("contact:{contact_id}");
                    let user_id = UserId::for_email(email);
                    let row = ctx
                        .get_or_insert_with(&tenant, &key, || PersonRow {
                            tenant: tenant.clone(),
                            kind: PersonKind::Contact,
                            user_id,
                            former_user_ids: Vec::new(),
                            contact_id: Some(*contact_id),
                            customer_id: Some(*customer_id),
                            name: None,
                            email: email.clone(),
                            present: true,
                        })
                        .await?;
                    if row.user_id != user_id && !row.former_user_ids.contains(&row.user_id) {
                        row.former_user_ids.push(row.user_id);
                    }
                    row.user_id = user_id;
                    row.email = email.clone();
                    row.name = Some(name.as_str().to_owned());
                    row.present = true;
                }
                Decoded::Contact(ContactEvent::ContactRemoved { contact_id, .. }) => {
                    let key = format!("contact:{contact_id}");
                    if let Some(row) = ctx.get_mut::<PersonRow>(&tenant, &key).await? {
                        row.present = false;
                    }
                }
                _ => {}
            }
            Ok(())
        })
    }
    fn prefetch(&self, event: &Event<'_>, rows: &mut Prefetch<'_>) {
        let key = match event.decoded {
            Decoded::Tenant(
                TenantEvent::StaffMemberRenamed { user_id, .. }
                | TenantEvent::StaffMemberRemoved { user_id },
            ) => format!("staff:{user_id}"),
            Decoded::Contact(
                ContactEvent::ContactAdded { contact_id, .. }
                | ContactEvent::ContactUpdated { contact_id, .. }
                | ContactEvent::ContactRemoved { contact_id, .. },
            ) => format!("contact:{contact_id}"),
            _ => return,
        };
        rows.want::<PersonRow>(event.tenant(), &key);
    }
}

/// The person behind `actor` in `tenant`: a staff member by identity, a portal user among the
/// contacts of the actor's customer (the current identity first, then earlier ones). `None` for
/// the system, an operator, or a person this read model never saw.
pub async fn for_actor(
    db: &ReadDb,
    tenant: &TenantId,
    actor: &Actor,
) -> Result<Option<PersonRow>, QueryError> {
    match actor {
        Actor::System | Actor::Operator => Ok(None),
        Actor::Staff { user_id } => by_key(db, tenant, &format!("staff:{user_id}")).await,
        Actor::PortalUser {
            user_id,
            customer_id,
        } => {
            let rows = of_customer(db, tenant, *customer_id).await?;
            let current = rows.iter().find(|r| &r.user_id == user_id).cloned();
            Ok(current.or_else(|| {
                rows.into_iter()
                    .find(|r| r.former_user_ids.contains(user_id))
            }))
        }
    }
}

/// The contacts of `customer_id`, present or not, sorted by label.
pub async fn of_customer(
    db: &ReadDb,
    tenant: &TenantId,
    customer_id: CustomerId,
) -> Result<Vec<PersonRow>, QueryError> {
    let mut q = Sql::new("SELECT doc FROM rm_people WHERE tenant = ");
    q.bind(tenant.as_str())
        .push(" AND customer_id = ")
        .bind(customer_id.to_string());
    sorted(q.fetch_all(db).await?.iter().map(|r| doc_at(r, 0)))
}

/// Every person of the tenant (staff and contacts, present or not), sorted by label.
pub async fn all(db: &ReadDb, tenant: &TenantId) -> Result<Vec<PersonRow>, QueryError> {
    let mut q = Sql::new("SELECT doc FROM rm_people WHERE tenant = ");
    q.bind(tenant.as_str());
    sorted(q.fetch_all(db).await?.iter().map(|r| doc_at(r, 0)))
}

fn sorted(
    rows: impl Iterator<Item = Result<PersonRow, QueryError>>,
) -> Result<Vec<PersonRow>, QueryError> {
    let mut rows = rows.collect::<Result<Vec<_>, _>>()?;
    rows.sort_by_key(|r| r.label().to_lowercase());
    Ok(rows)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::models::testkit::{Harness, id, name, tenant};

    fn email(s: &str) -> Email {
        Email::parse(s).unwrap()
    }

    #[test]
    fn staff_keep_their_label_after_removal() {
        let mut h = Harness::new(PeopleProjection);
        let acme = tenant("acme");
        let eva = UserId::for_email(&email("eva@acme.example"));
        h.apply::<Tenant>(
            &acme,
            "acme",
            TenantEvent::StaffMemberAdded {
                user_id: eva,
                email: email("eva@acme.example"),
                name: None,
            },
        )
        .unwrap();
        let row: PersonRow = h.row(&acme, format!("staff:{eva}")).unwrap();
        assert_eq!(row.label(), "eva@acme.example");
        h.apply::<Tenant>(
            &acme,
            "acme",
            TenantEvent::StaffMemberRenamed {
                user_id: eva,
                name: name("Eva Lund"),
            },
        )
        .unwrap();
        h.apply::<Tenant>(
            &acme,
            "acme",
            TenantEvent::StaffMemberRemoved { user_id: eva },
        )
        .unwrap();
        let row: PersonRow = h.row(&acme, format!("staff:{eva}")).unwrap();
        assert_eq!((row.label(), row.present), ("Eva Lund", false));
    }

    #[test]
    fn a_contact_keeps_earlier_identities_and_its_last_name() {
        let mut h = Harness::new(PeopleProjection);
        let acme = tenant("acme");
        let (contact_id, customer_id): (ContactId, CustomerId) = (id(1), id(2));
        let added = |n: &str, e: &str| ContactEvent::ContactAdded {
            contact_id,
            customer_id,
            name: name(n),
            email: email(e),
            phone: None,
            roles: vec![],
        };
        h.apply::<Contact>(&acme, contact_id, added("Ann Early", "ann@old.example"))
            .unwrap();
        let ContactEvent::ContactAdded { name, email: e, .. } =
            added("Ann Berg", "ann@new.example")
        else {
            unreachable!()
        };
        h.apply::<Contact>(
            &acme,
            contact_id,
            ContactEvent::ContactUpdated {
                contact_id,
                customer_id,
                name,
                email: e,
                phone: None,
                roles: vec![],
            },
        )
        .unwrap();
        h.apply::<Contact>(
            &acme,
            contact_id,
            ContactEvent::ContactRemoved {
                contact_id,
                customer_id,
            },
        )
        .unwrap();
        let row: PersonRow = h.row(&acme, format!("contact:{contact_id}")).unwrap();
        assert_eq!(row.label(), "Ann Berg");
        assert!(!row.present);
        assert_eq!(
            row.former_user_ids,
            vec![UserId::for_email(&email("ann@old.example"))]
        );
        assert_eq!(row.columns(), vec![ColValue::from(customer_id.to_string())]);
    }
}
