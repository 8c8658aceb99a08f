//! The emails' content: a subject, a plain-text body and an HTML body (maud, which escapes every
//! interpolated value; nothing here is `PreEscaped`). Pure functions of their inputs.

use maud::{DOCTYPE, Markup, html};
use portal_domain::user::LinkPurpose;
use url::Url;

/// A rendered email, before headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// What the portal offers, in the welcome email.
pub const OFFERS: [&str; 5] = [
    "Submit transport orders straight into the carrier's system",
    "Keep an address book of your pickup and delivery locations",
    "Follow your orders on dashboards",
    "Approve or reject extra charges",
    "Print shipping labels and CMR transport documents",
];

/// Inputs of the welcome email; names are `None` when they could not be read (neutral text).
#[derive(Debug, Clone)]
pub struct Welcome<'a> {
    pub carrier: Option<&'a str>,
    pub customer: Option<&'a str>,
    pub contact: Option<&'a str>,
    /// The address to log in with (the one this email goes to).
    pub email: &'a str,
    pub login_url: &'a Url,
}

/// Inputs of a login or password-reset email.
#[derive(Debug, Clone)]
pub struct LoginLink<'a> {
    /// The person's name, where a carrier knows it.
    pub name: Option<&'a str>,
    /// The carriers whose portals the link opens (empty: neutral text).
    pub carriers: &'a [String],
    pub purpose: LinkPurpose,
    pub link: &'a Url,
    pub valid_minutes: u64,
}

pub(crate) fn greeting(name: Option<&str>) -> String {
    match name {
        Some(n) => format!("Hello {n},"),
        None => "Hello,".to_owned(),
    }
}

/// The one-time welcome email of a contact given portal access.
pub fn welcome(w: &Welcome<'_>) -> Rendered {
    let subject = match w.carrier {
        Some(c) => format!("Your access to the {c} customer portal"),
        None => "Your access to the customer portal".to_owned(),
    };
    let carrier = w.carrier.unwrap_or("Your carrier");
    let intro = match w.customer {
        Some(customer) => {
            format!("{carrier} has given you access to its customer portal for {customer}.")
        }
        None => format!("{carrier} has given you access to its customer portal."),
    };
    let mut text = format!(
        "{}\n\n{intro}\n\nIn the portal you can:\n",
        greeting(w.contact)
    );
    for offer in OFFERS {
        text.push_str(&format!("- {offer}\n"));
    }
    text.push_str(&format!(
        "\nLog in here: {}\n\nLog in with this address: {}\nEnter it and we will send you a \
         secure login link (you can set a password later).\n",
        w.login_url, w.email
    ));
    let body = html! {
        p { (greeting(w.contact)) }
        p { (intro) }
        p { "In the portal you can:" }
        ul { @for offer in OFFERS { li { (offer) } } }
        p { a href=(w.login_url.as_str()) style=(BUTTON) { "Log in to the portal" } }
        p { "Log in with this address: " strong { (w.email) } }
        p {
            "Enter it and we will send you a secure login link "
            "(you can set a password later). Or open: " (w.login_url.as_str())
        }
    };
    Rendered {
        html: page(&subject, body).into_string(),
        subject,
        text,
    }
}

/// The email of a login or password-reset link.
pub fn login_link(l: &LoginLink<'_>) -> Rendered {
    let portal = match l.carriers {
        [] => "the customer portal".to_owned(),
        [one] => format!("the {one} customer portal"),
        [init @ .., last] => format!("the customer portal of {} and {last}", init.join(", ")),
    };
    let (subject, action, button) = match l.purpose {
        LinkPurpose::Login => (
            match l.carriers {
                [one] => format!("Your login link for {one}"),
                _ => "Your login link".to_owned(),
            },
            format!("Use this link to log in to {portal}"),
            "Log in",
        ),
        LinkPurpose::PasswordReset => (
            "Reset your password".to_owned(),
            format!("Use this link to set a new password for {portal}"),
            "Set a new password",
        ),
    };
    let subject = subject.as_str();
    let greet = greeting(l.name);
    let validity = format!(
        "It works once, for {} minutes. A newer link replaces this one.",
        l.valid_minutes
    );
    let ignore = "If you did not ask for this link, ignore this email: nothing changes.";
    let text = format!(
        "{greet}\n\n{action}:\n\n{}\n\n{validity}\n\n{ignore}\n",
        l.link
    );
    let body = html! {
        p { (greet) }
        p { (action) ":" }
        p { a href=(l.link.as_str()) style=(BUTTON) { (button) } }
        p { (validity) }
        p { "If the button does not work, copy this address into your browser: " (l.link.as_str()) }
        p { (ignore) }
    };
    Rendered {
        html: page(subject, body).into_string(),
        subject: subject.to_owned(),
        text,
    }
}

/// A link styled as a button.
pub(crate) fn button(url: &Url, label: &str) -> Markup {
    html! { a href=(url.as_str()) style=(BUTTON) { (label) } }
}

pub(crate) const BUTTON: &str = "display:inline-block;padding:10px 18px;background:#1f4e8c;color:#ffffff;\
                      text-decoration:none;border-radius:4px";

pub(crate) fn page(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
            }
            body style="font-family:Arial,Helvetica,sans-serif;font-size:15px;color:#222222" {
                div style="max-width:560px;margin:0 auto;padding:16px" { (body) }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn welcome_escapes_names_and_lists_the_offers() {
        let url = Url::parse("https://portal.example/login").unwrap();
        let r = welcome(&Welcome {
            carrier: Some("Fast <b>Freight</b> & Co"),
            customer: Some("Acme \"Ltd\""),
            contact: Some("<script>alert(1)</script>"),
            email: "ann@acme.example",
            login_url: &url,
        });
        assert_eq!(
            r.subject,
            "Your access to the Fast <b>Freight</b> & Co customer portal"
        );
        assert!(r.html.contains("Fast &lt;b&gt;Freight&lt;/b&gt; &amp; Co"));
        assert!(!r.html.contains("<script>"));
        assert!(r.html.contains("href=\"https://portal.example/login\""));
        assert!(r.text.contains("Log in here: https://portal.example/login"));
        assert!(
            r.text
                .contains("Log in with this address: ann@acme.example")
        );
        assert!(r.html.contains("ann@acme.example"));
        for offer in OFFERS {
            assert!(r.text.contains(offer));
        }
    }

    #[test]
    fn welcome_falls_back_to_neutral_text() {
        let url = Url::parse("https://portal.example/login").unwrap();
        let r = welcome(&Welcome {
            carrier: None,
            customer: None,
            contact: None,
            email: "ann@acme.example",
            login_url: &url,
        });
        assert_eq!(r.subject, "Your access to the customer portal");
        assert!(
            r.text
                .starts_with("Hello,\n\nYour carrier has given you access")
        );
    }

    #[test]
    fn login_link_names_its_purpose() {
        let url = Url::parse("https://p.example/password/reset?token=abc").unwrap();
        let r = login_link(&LoginLink {
            name: None,
            carriers: &[],
            purpose: LinkPurpose::PasswordReset,
            link: &url,
            valid_minutes: 15,
        });
        assert_eq!(r.subject, "Reset your password");
        assert!(
            r.text
                .contains("https://p.example/password/reset?token=abc")
        );
        assert!(
            r.html
                .contains("href=\"https://p.example/password/reset?token=abc\"")
        );
        assert!(r.text.contains("15 minutes"));
    }

    #[test]
    fn login_link_names_the_person_and_the_carrier() {
        let url = Url::parse("https://p.example/login/continue?token=abc").unwrap();
        let carriers = ["Nordic Freight".to_owned()];
        let r = login_link(&LoginLink {
            name: Some("Ann Early"),
            carriers: &carriers,
            purpose: LinkPurpose::Login,
            link: &url,
            valid_minutes: 15,
        });
        assert_eq!(r.subject, "Your login link for Nordic Freight");
        assert!(r.text.starts_with(
            "Hello Ann Early,\n\nUse this link to log in to the Nordic Freight customer portal:"
        ));
        let two = ["Nordic Freight".to_owned(), "Baltic Haul".to_owned()];
        let r = login_link(&LoginLink {
            name: None,
            carriers: &two,
            purpose: LinkPurpose::Login,
            link: &url,
            valid_minutes: 15,
        });
        assert!(
            r.text
                .contains("the customer portal of Nordic Freight and Baltic Haul")
        );
    }
}
