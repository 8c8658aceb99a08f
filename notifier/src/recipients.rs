//! Who hears about what (pure, unit-tested): the rules of the order-status and charge emails.
//!
//! - Order status news → the contact who submitted the order and the contacts with the role
//!   `operations`; charge approval news → the submitter and the contacts with the role
//!   `invoices`. Only contacts with portal access count (the directory only offers those).
//! - Nobody is told about what they did themselves, and nobody twice.
//! - Each recipient's preference for the kind decides: at once, in the daily digest, or not.

use crate::directory::Known;
use portal_domain::UserId;
use portal_domain::contact::{ContactRole, Delivery, NewsKind};

/// One recipient of one piece of news.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub contact: Known,
    pub delivery: Delivery,
}

/// The role whose holders follow `kind` besides the submitter.
pub fn role_of(kind: NewsKind) -> ContactRole {
    match kind {
        NewsKind::OrderStatus => ContactRole::Operations,
        NewsKind::ChargeApproval => ContactRole::Invoices,
    }
}

/// The recipients among `with_access` (the customer's contacts with access, at the event) of
/// news of `kind` about an order submitted by `submitter`, caused by `actor`. `Off` recipients
/// are left out.
pub fn select(
    with_access: &[Known],
    kind: NewsKind,
    submitter: Option<UserId>,
    actor: Option<UserId>,
) -> Vec<Recipient> {
    let role = role_of(kind);
    let mut out: Vec<Recipient> = Vec::new();
    for c in with_access {
        if !c.access || Some(c.user_id) == actor {
            continue;
        }
        let follows = Some(c.user_id) == submitter || c.roles.contains(&role);
        if !follows || out.iter().any(|r| r.contact.user_id == c.user_id) {
            continue;
        }
        let delivery = c.preferences.of(kind);
        if delivery != Delivery::Off {
            out.push(Recipient {
                contact: c.clone(),
                delivery,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use portal_domain::contact::NotificationPreferences;
    use portal_domain::{ContactId, CustomerId};
    use uuid::Uuid;

    fn contact(n: u128, roles: &[ContactRole], access: bool) -> Known {
        Known {
            contact_id: ContactId(Uuid::from_u128(n)),
            customer_id: CustomerId(Uuid::from_u128(1)),
            user_id: UserId(Uuid::from_u128(100 + n)),
            name: format!("Person {n}"),
            email: format!("p{n}@example.com"),
            roles: roles.to_vec(),
            access,
            preferences: NotificationPreferences::default(),
        }
    }

    fn user(n: u128) -> UserId {
        UserId(Uuid::from_u128(100 + n))
    }

    fn names(r: &[Recipient]) -> Vec<String> {
        r.iter().map(|r| r.contact.name.clone()).collect()
    }

    #[test]
    fn status_news_go_to_the_submitter_and_operations_only() {
        let all = [
            contact(1, &[ContactRole::Orders], true),
            contact(2, &[ContactRole::Operations], true),
            contact(3, &[ContactRole::Invoices], true),
            contact(4, &[ContactRole::Operations, ContactRole::Invoices], false),
        ];
        let r = select(&all, NewsKind::OrderStatus, Some(user(1)), None);
        assert_eq!(names(&r), ["Person 1", "Person 2"]);
        let r = select(&all, NewsKind::ChargeApproval, Some(user(1)), None);
        assert_eq!(names(&r), ["Person 1", "Person 3"]);
    }

    #[test]
    fn nobody_hears_of_their_own_action() {
        let all = [
            contact(1, &[ContactRole::Operations], true),
            contact(2, &[ContactRole::Operations], true),
        ];
        let r = select(&all, NewsKind::OrderStatus, Some(user(1)), Some(user(1)));
        assert_eq!(names(&r), ["Person 2"]);
    }

    #[test]
    fn preferences_decide_how_or_whether() {
        let mut daily = contact(1, &[ContactRole::Operations], true);
        daily.preferences = daily
            .preferences
            .with(NewsKind::OrderStatus, Delivery::Daily);
        let mut off = contact(2, &[ContactRole::Operations], true);
        off.preferences = off.preferences.with(NewsKind::OrderStatus, Delivery::Off);
        let r = select(&[daily, off.clone()], NewsKind::OrderStatus, None, None);
        assert_eq!(names(&r), ["Person 1"]);
        assert_eq!(r[0].delivery, Delivery::Daily);
        // Off for one kind only.
        let mut invoices = off;
        invoices.roles = vec![ContactRole::Invoices];
        let r = select(&[invoices], NewsKind::ChargeApproval, None, None);
        assert_eq!(r[0].delivery, Delivery::Immediate);
    }

    #[test]
    fn a_submitter_without_access_or_another_customer_gets_nothing() {
        // The submitter is not among the customer's contacts with access: nobody.
        let all = [contact(2, &[ContactRole::Orders], true)];
        assert!(select(&all, NewsKind::OrderStatus, Some(user(9)), None).is_empty());
    }
}
