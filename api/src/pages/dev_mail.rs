//! `/dev/mail`: the emails the file transport wrote, in embedded mode only (when
//! [`crate::AuthConfig::dev_mail_dir`] is set; 404 otherwise). A local user reads its welcome and
//! login emails here without an SMTP server. Only clients on this machine (loopback) see it: the
//! emails hold login links. Email content is untrusted: it is shown as escaped text, with its
//! links listed, never as HTML.

use super::layout::page;
use crate::AppState;
use crate::error::AppError;
use crate::web::ClientIp;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use maud::html;
use std::net::IpAddr;
use time::macros::format_description;

fn dir(state: &AppState, client: IpAddr) -> Result<std::path::PathBuf, AppError> {
    if !client.is_loopback() {
        return Err(AppError::NotFound);
    }
    state.auth.dev_mail_dir.clone().ok_or(AppError::NotFound)
}

/// `GET /dev/mail`: newest first.
pub async fn list(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
) -> Result<Response, AppError> {
    let dir = dir(&state, client)?;
    let mails = portal_app::mail::file_mailbox(dir).await?;
    let when = format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");
    Ok(page(
        "Mail (development)",
        None,
        html! {
            div.page-head { div {
                h1 { "Mail" }
                p.subtitle {
                    "Embedded mode has no mail server: the emails the portal sent are kept here."
                }
            } }
            section.card {
                @if mails.is_empty() {
                    p.empty { "No emails yet." }
                } @else {
                    table {
                        thead { tr { th { "Date" } th { "To" } th { "Subject" } } }
                        tbody {
                            @for m in &mails {
                                tr {
                                    td { (m.date.format(when).unwrap_or_default()) }
                                    td { (m.to) }
                                    td { a href={ "/dev/mail/" (m.id) } { (m.subject) } }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
    .into_response())
}

/// The `http(s)://` links of a text, in order, without duplicates.
fn links(text: &str) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for word in text.split(|c: char| c.is_whitespace() || c == '<' || c == '>') {
        let word = word.trim_end_matches(['.', ',', ')']);
        if (word.starts_with("http://") || word.starts_with("https://")) && !out.contains(&word) {
            out.push(word);
        }
    }
    out
}

/// `GET /dev/mail/{id}`.
pub async fn show(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let dir = dir(&state, client)?;
    let mail = portal_app::mail::file_mail(dir, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let subject = mail
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("subject"))
        .map_or("(no subject)", |(_, v)| v.as_str());
    let response = page(
        subject,
        None,
        html! {
            p { a href="/dev/mail" { "← All emails" } }
            section.card {
                h1 { (subject) }
                dl.facts {
                    @for (name, value) in &mail.headers {
                        @if ["From", "To", "Reply-To", "Date", "Message-ID"].iter().any(|h| h.eq_ignore_ascii_case(name)) {
                            dt { (name) } dd { (value) }
                        }
                    }
                }
            }
            @let found = links(&mail.text);
            @if !found.is_empty() {
                section.card {
                    h2 { "Links" }
                    ul { @for l in &found { li { a href=(l) rel="noreferrer" { (l) } } } }
                }
            }
            section.card {
                h2 { "Text" }
                pre.mail-text { (mail.text) }
                @if let Some(html) = &mail.html {
                    details {
                        summary { "HTML part (source)" }
                        pre.mail-text { (html) }
                    }
                }
            }
        },
    )
    .into_response();
    // The page shows login links: keep them out of Referer headers.
    Ok(crate::web::headers::no_referrer(response))
}

#[cfg(test)]
mod tests {
    use super::links;

    #[test]
    fn links_are_found_once() {
        let text = "Open http://127.0.0.1:8080/login/continue?token=abc.\n\
                    Or <https://p.example/login>, again http://127.0.0.1:8080/login/continue?token=abc";
        assert_eq!(
            links(text),
            vec![
                "http://127.0.0.1:8080/login/continue?token=abc",
                "https://p.example/login"
            ]
        );
    }
}
