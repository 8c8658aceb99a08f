//! A rendered email → a lettre [`Message`]: multipart/alternative (plain text, then HTML) with
//! From, Reply-To (when configured), To, Subject, a deterministic Message-ID and Date.

use crate::config::NotifierConfig;
use crate::render::Rendered;
use lettre::Message;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use std::time::SystemTime;

#[derive(Debug, thiserror::Error)]
pub enum MessageError {
    #[error("the recipient is not a deliverable address")]
    Address(#[from] lettre::address::AddressError),
    #[error("cannot build the email: {0}")]
    Build(#[from] lettre::error::Error),
}

/// The Message-ID of the email of kind `kind` caused by event `event_id` (to the recipient
/// `recipient_key` where an event has several): the same on every try, so a resend after a
/// crash is recognisable as the same message.
pub fn message_id(event_id: &str, kind: &str, recipient_key: &str, domain: &str) -> String {
    if recipient_key.is_empty() {
        format!("<{event_id}.{kind}@{domain}>")
    } else {
        format!("<{event_id}.{kind}.{recipient_key}@{domain}>")
    }
}

/// The one-click unsubscribe of a non-essential email (RFC 8058): the link is both the
/// `List-Unsubscribe` target and the POST that turns the kind off.
#[derive(Debug, Clone)]
pub struct ListUnsubscribe {
    pub url: String,
}

/// Builds the message to `recipient` (an address; `name` is its display name).
pub fn build(
    config: &NotifierConfig,
    recipient: &str,
    name: Option<&str>,
    message_id: &str,
    rendered: Rendered,
    date: SystemTime,
    unsubscribe: Option<&ListUnsubscribe>,
) -> Result<Message, MessageError> {
    let to = Mailbox::new(name.map(str::to_owned), recipient.parse()?);
    let mut builder = Message::builder()
        .from(config.from.clone())
        .to(to)
        .subject(rendered.subject)
        .message_id(Some(message_id.to_owned()))
        .date(date);
    if let Some(reply_to) = &config.reply_to {
        builder = builder.reply_to(reply_to.clone());
    }
    if let Some(u) = unsubscribe {
        builder = builder
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe"),
                format!("<{}>", u.url),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                "List-Unsubscribe=One-Click".to_owned(),
            ));
    }
    Ok(builder.multipart(MultiPart::alternative_plain_html(
        rendered.text,
        rendered.html,
    ))?)
}
