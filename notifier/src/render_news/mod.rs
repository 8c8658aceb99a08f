//! The order-status, charge and digest emails (subject, plain text, maud HTML; every value
//! escaped). Pure functions of the stored [`News`] and the links.

use crate::local;
use crate::news::{Digest, News, What, status_words};
use crate::render::{Rendered, button, greeting, page};
use maud::{Markup, html};
use url::Url;

/// Links of one email.
#[derive(Debug, Clone)]
pub struct Links<'a> {
    /// The order (portal page for customers, staff page for staff); for a digest, the orders
    /// list.
    pub order: &'a Url,
    /// Where the recipient chooses which emails to get (portal users only).
    pub preferences: Option<&'a Url>,
    /// The one-click unsubscribe page of this email's kind (portal users only).
    pub unsubscribe: Option<&'a Url>,
}

/// The headline of one piece of news, in words.
pub fn headline(news: &News) -> String {
    match &news.what {
        What::Status { to, .. } => format!("Order {} is {}", news.number, status_words(to)),
        What::ChargeAwaiting {
            description,
            amount,
        } => format!(
            "Charge {description} of {amount} on order {} waits for your approval",
            news.number
        ),
        What::ChargeDecided {
            description,
            amount,
            approved,
            by,
            ..
        } => format!(
            "{by} {} charge {description} of {amount} on order {}",
            if *approved { "approved" } else { "rejected" },
            news.number
        ),
    }
}

/// The facts of one piece of news as (label, value) lines.
pub fn facts(news: &News) -> Vec<(&'static str, String)> {
    let mut lines = vec![("Order", news.number.clone())];
    if let Some(reference) = &news.reference {
        lines.push(("Your reference", reference.clone()));
    }
    if news.contact_id.is_none() {
        lines.push(("Customer", news.customer.clone()));
    }
    match &news.what {
        What::Status {
            from,
            to,
            planned_at,
            reason,
        } => {
            lines.push((
                "Status",
                format!("{} → {}", status_words(from), status_words(to)),
            ));
            if let Some(at) = planned_at {
                lines.push(("Planned for", local::format(*at, &news.time_zone)));
            }
            if let Some(reason) = reason {
                lines.push(("Reason", reason.clone()));
            }
        }
        What::ChargeAwaiting {
            description,
            amount,
        } => {
            lines.push(("Charge", description.clone()));
            lines.push(("Amount", amount.clone()));
        }
        What::ChargeDecided {
            description,
            amount,
            approved,
            comment,
            by,
        } => {
            lines.push(("Charge", description.clone()));
            lines.push(("Amount", amount.clone()));
            let decision = if *approved { "approved" } else { "rejected" };
            lines.push(("Decision", format!("{decision} by {by}")));
            if let Some(comment) = comment {
                lines.push(("Comment", comment.clone()));
            }
        }
    }
    lines.push(("When", local::format(news.at, &news.time_zone)));
    lines
}

fn subject(news: &News) -> String {
    let reference = news
        .reference
        .as_ref()
        .map(|r| format!(" (your ref. {r})"))
        .unwrap_or_default();
    match &news.what {
        What::Status { to, .. } => format!(
            "{}: order {}{reference} is {}",
            news.carrier,
            news.number,
            status_words(to)
        ),
        What::ChargeAwaiting { .. } => format!(
            "{}: a charge on order {}{reference} waits for your approval",
            news.carrier, news.number
        ),
        What::ChargeDecided {
            description,
            approved,
            ..
        } => format!(
            "{} {} charge {description} on order {}",
            news.customer,
            if *approved {
                "approved with a comment"
            } else {
                "rejected"
            },
            news.number
        ),
    }
}

/// Why the recipient gets this email, and how to stop it.
fn footer_text(news_kind: &str, customer: &str, carrier: &str, links: &Links<'_>) -> String {
    let mut text = format!(
        "\n--\nYou get this email because you follow {news_kind} of {customer} at {carrier}.\n"
    );
    if let Some(p) = links.preferences {
        text.push_str(&format!("Choose which emails you get: {p}\n"));
    }
    if let Some(u) = links.unsubscribe {
        text.push_str(&format!("Unsubscribe from these emails: {u}\n"));
    }
    text
}

fn footer_html(news_kind: &str, customer: &str, carrier: &str, links: &Links<'_>) -> Markup {
    html! {
        hr;
        p style="font-size:13px;color:#555555" {
            "You get this email because you follow " (news_kind) " of " (customer) " at "
            (carrier) "."
            @if let Some(p) = links.preferences {
                " " a href=(p.as_str()) { "Choose which emails you get" } "."
            }
            @if let Some(u) = links.unsubscribe {
                " " a href=(u.as_str()) { "Unsubscribe" } "."
            }
        }
    }
}

fn kind_words(news: &News) -> &'static str {
    match news.what {
        What::Status { .. } => "order status changes",
        What::ChargeAwaiting { .. } => "charges awaiting approval",
        What::ChargeDecided { .. } => "the charges you asked customers to approve",
    }
}

/// One email of one piece of news.
pub fn news(news: &News, links: &Links<'_>) -> Rendered {
    let subject = subject(news);
    let greet = greeting(news.recipient_name.as_deref());
    let headline = headline(news);
    let intro = format!("{headline}.");
    let lines = facts(news);
    let mut text = format!("{greet}\n\n{intro}\n\n");
    for (label, value) in &lines {
        text.push_str(&format!("{label}: {value}\n"));
    }
    text.push_str(&format!("\nOpen the order: {}\n", links.order));
    text.push_str(&format!("\n{}\n", news.carrier));
    text.push_str(&footer_text(
        kind_words(news),
        &news.customer,
        &news.carrier,
        links,
    ));
    let body = html! {
        p { (greet) }
        p { strong { (intro) } }
        table style="border-collapse:collapse" {
            @for (label, value) in &lines {
                tr {
                    th style="text-align:left;padding:2px 12px 2px 0;vertical-align:top" { (label) }
                    td style="padding:2px 0;white-space:pre-line" { (value) }
                }
            }
        }
        p { (button(links.order, "Open the order")) }
        p { (news.carrier) }
        (footer_html(kind_words(news), &news.customer, &news.carrier, links))
    };
    Rendered {
        html: page(&subject, body).into_string(),
        subject,
        text,
    }
}

/// The daily digest.
pub fn digest(d: &Digest, links: &Links<'_>) -> Rendered {
    let n = d.items.len();
    let subject = format!(
        "{}: {n} {} for {} on {}",
        d.carrier,
        if n == 1 { "update" } else { "updates" },
        d.customer,
        d.day
    );
    let greet = greeting(d.recipient_name.as_deref());
    let intro = format!(
        "Here is what happened with the orders of {} since the last summary.",
        d.customer
    );
    let mut text = format!("{greet}\n\n{intro}\n\n");
    for item in &d.items {
        text.push_str(&format!("* {}\n", headline(item)));
        for (label, value) in facts(item).iter().skip(1) {
            text.push_str(&format!("  {label}: {value}\n"));
        }
        text.push('\n');
    }
    text.push_str(&format!(
        "Open the portal: {}\n\n{}\n",
        links.order, d.carrier
    ));
    text.push_str(&footer_text(
        "a daily summary of orders and charges",
        &d.customer,
        &d.carrier,
        links,
    ));
    let body = html! {
        p { (greet) }
        p { (intro) }
        @for item in &d.items {
            h2 style="font-size:16px;margin:18px 0 4px" { (headline(item)) }
            table style="border-collapse:collapse" {
                @for (label, value) in facts(item).iter().skip(1) {
                    tr {
                        th style="text-align:left;padding:2px 12px 2px 0;vertical-align:top" { (label) }
                        td style="padding:2px 0;white-space:pre-line" { (value) }
                    }
                }
            }
        }
        p { (button(links.order, "Open the portal")) }
        p { (d.carrier) }
        (footer_html("a daily summary of orders and charges", &d.customer, &d.carrier, links))
    };
    Rendered {
        html: page(&subject, body).into_string(),
        subject,
        text,
    }
}

#[cfg(test)]
mod tests;
