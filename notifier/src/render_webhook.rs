//! The email telling an endpoint's owner that it was disabled after failing for too long
//! ([`crate::outbox::MailContext::WebhookDisabled`]): which endpoint, since when it failed, and
//! where to enable it again. The URL is shown without its query (which may carry a token).
//! Pure; maud escapes every value.

use crate::config::NotifierConfig;
use crate::outbox::MailContext;
use crate::render::{BUTTON, Rendered, page};
use maud::html;
use portal_identity::db::from_millis;
use time::format_description::well_known::Rfc3339;

/// The email of a [`MailContext::WebhookDisabled`]; any other context renders nothing useful
/// (the sender never asks for that).
pub fn render(context: &MailContext, config: &NotifierConfig) -> Rendered {
    let MailContext::WebhookDisabled {
        url,
        description,
        failing_since,
        customer,
        ..
    } = context
    else {
        return Rendered {
            subject: String::new(),
            text: String::new(),
            html: String::new(),
        };
    };
    let settings = config.link(
        if *customer {
            "/portal/settings/webhooks"
        } else {
            "/staff/settings/webhooks"
        },
        None,
    );
    let shown = without_query(url);
    let since = from_millis(*failing_since)
        .format(&Rfc3339)
        .unwrap_or_default();
    let subject = "A webhook endpoint was disabled".to_owned();
    let name = if description.trim().is_empty() {
        shown.clone()
    } else {
        format!("{description} ({shown})")
    };
    let text = format!(
        "Hello,\n\nThe webhook endpoint {name} has not accepted a delivery since {since} (UTC) \
         and was disabled. No further events are sent to it.\n\nFix the receiver, then enable it \
         again here: {settings}\n\nDeliveries that were waiting are sent once it is enabled \
         again; failed ones can be sent again from its delivery log.\n"
    );
    let body = html! {
        p { "Hello," }
        p {
            "The webhook endpoint " strong { (name) } " has not accepted a delivery since "
            (since) " (UTC) and was disabled. No further events are sent to it."
        }
        p { a href=(settings.as_str()) style=(BUTTON) { "Open the webhook settings" } }
        p {
            "Deliveries that were waiting are sent once it is enabled again; failed ones can be \
             sent again from its delivery log."
        }
    };
    Rendered {
        html: page(&subject, body).into_string(),
        subject,
        text,
    }
}

fn without_query(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            u.set_query(None);
            u.set_fragment(None);
            u.to_string()
        }
        Err(_) => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn names_the_endpoint_and_links_the_settings() {
        let config = NotifierConfig::new(
            url::Url::parse("https://portal.example/").unwrap(),
            "Portal <portal@carrier.example>".parse().unwrap(),
        );
        let r = render(
            &MailContext::WebhookDisabled {
                endpoint_id: "w1".into(),
                url: "https://hooks.example/in?token=secret".into(),
                description: "ERP <b>".into(),
                failing_since: 1_700_000_000_000,
                customer: true,
            },
            &config,
        );
        assert_eq!(r.subject, "A webhook endpoint was disabled");
        assert!(r.text.contains("ERP <b> (https://hooks.example/in)"));
        assert!(!r.text.contains("secret"));
        assert!(r.html.contains("ERP &lt;b&gt;"));
        assert!(
            r.text
                .contains("https://portal.example/portal/settings/webhooks")
        );
        assert!(r.text.contains("2023-11-14T22:13:20Z"));
    }
}
