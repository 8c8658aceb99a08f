//! Event-type patterns of an endpoint: `*` (every event of the endpoint's scope), `<category>.*`
//! and `<category>.<EventType>`, over the domain's categories and [`DomainEvent::TYPES`]. The
//! identity realm's `user` events (login links, passwords) are never sent anywhere.
//!
//! Portal endpoints (one customer's) may only name the `order` category: orders and their
//! charges are all a customer's events there are (documents are rendered on request and leave no
//! event).

use portal_domain::contact::Contact;
use portal_domain::customer::Customer;
use portal_domain::location::Location;
use portal_domain::order::Order;
use portal_domain::printer::PrinterConfig;
use portal_domain::tenant::Tenant;
use portal_domain::{Aggregate, DomainEvent};

/// The categories a portal endpoint may name.
pub const PORTAL_CATEGORIES: &[&str] = &["order"];

/// Every (category, event types) an endpoint may name.
pub fn known() -> [(&'static str, &'static [&'static str]); 6] {
    fn of<A: Aggregate>() -> (&'static str, &'static [&'static str]) {
        (A::CATEGORY, <A::Event as DomainEvent>::TYPES)
    }
    [
        of::<Tenant>(),
        of::<Customer>(),
        of::<Contact>(),
        of::<Order>(),
        of::<Location>(),
        of::<PrinterConfig>(),
    ]
}

/// Checks one pattern: `Err` with a message for the `event_types` field.
pub fn validate(pattern: &str, portal: bool) -> Result<(), String> {
    if pattern == "*" {
        return Ok(());
    }
    let Some((category, event_type)) = pattern.split_once('.') else {
        return Err(format!(
            "`{pattern}` is not `*`, `<category>.*` or `<category>.<EventType>`"
        ));
    };
    let Some((_, types)) = known().into_iter().find(|(c, _)| *c == category) else {
        let names: Vec<&str> = known().iter().map(|(c, _)| *c).collect();
        return Err(format!(
            "`{category}` is not an event category (one of {})",
            names.join(", ")
        ));
    };
    if portal && !PORTAL_CATEGORIES.contains(&category) {
        return Err(format!(
            "`{category}` events are not sent to a customer's endpoints (only {})",
            PORTAL_CATEGORIES.join(", ")
        ));
    }
    if event_type != "*" && !types.contains(&event_type) {
        return Err(format!(
            "`{event_type}` is not an event type of `{category}` (one of {})",
            types.join(", ")
        ));
    }
    Ok(())
}

/// Whether `pattern` names the event `<category>.<event_type>`.
pub fn matches(pattern: &str, category: &str, event_type: &str) -> bool {
    if pattern == "*" {
        return known().iter().any(|(c, _)| *c == category);
    }
    match pattern.split_once('.') {
        Some((c, "*")) => c == category,
        Some((c, t)) => c == category && t == event_type,
        None => false,
    }
}

/// Whether any of `patterns` names the event.
pub fn any_matches(patterns: &[String], category: &str, event_type: &str) -> bool {
    patterns.iter().any(|p| matches(p, category, event_type))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_categories_and_types() {
        assert!(matches("*", "order", "OrderSubmitted"));
        assert!(!matches("*", "user", "LoginLinkRequested"));
        assert!(matches("order.*", "order", "ChargeAdded"));
        assert!(!matches("order.*", "customer", "CustomerCreated"));
        assert!(matches(
            "customer.CustomerPortalEnabled",
            "customer",
            "CustomerPortalEnabled"
        ));
        assert!(!matches(
            "customer.CustomerPortalEnabled",
            "customer",
            "CustomerPortalDisabled"
        ));
        assert!(any_matches(
            &["contact.*".into(), "order.OrderSubmitted".into()],
            "order",
            "OrderSubmitted"
        ));
        assert!(!any_matches(&[], "order", "OrderSubmitted"));
    }

    #[test]
    fn unknown_names_are_refused_with_a_message() {
        for ok in [
            "*",
            "order.*",
            "customer.CustomerPortalEnabled",
            "printer_config.*",
        ] {
            assert_eq!(validate(ok, false), Ok(()), "{ok}");
        }
        assert!(
            validate("orders.*", false)
                .unwrap_err()
                .contains("`orders`")
        );
        assert!(
            validate("order.OrderShipped", false)
                .unwrap_err()
                .contains("OrderShipped")
        );
        assert!(validate("order", false).is_err());
        assert!(validate("user.*", false).is_err());
        // A customer's endpoint: orders (and their charges) only.
        assert_eq!(validate("order.ChargeAdded", true), Ok(()));
        assert_eq!(validate("*", true), Ok(()));
        assert!(validate("customer.*", true).is_err());
    }
}
