//! The login pages (all in the centred card): log in, link sent, *Continue*, a link that can no
//! longer be used, password reset, and "no access". None of them says whether an email exists.

use super::layout::{card_page, csrf_field, field_error};
use maud::{Markup, html};
use portal_domain::FieldError;
use portal_domain::user::LinkPurpose;
use portal_identity::tokens::TokenProblem;

/// The one answer to every valid link request.
pub const LINK_SENT: &str = "If this email has access, a login link is on its way. It works once, \
     for 15 minutes. Check your inbox (and the spam folder).";
pub const RESET_SENT: &str = "If this email has access, a link to set a new password is on its way. \
     It works once, for 15 minutes.";
/// The one answer to every failed password login.
pub const BAD_CREDENTIALS: &str = "Email or password is not correct";
pub const TOO_MANY: &str = "Too many attempts, try again later";

/// What the login page shows besides its forms.
#[derive(Debug, Clone, Default)]
pub struct LoginForm {
    pub email: String,
    /// Field messages of the link form.
    pub link_errors: Vec<FieldError>,
    /// The message of the password form.
    pub password_error: Option<String>,
}

pub fn login(csrf: &str, form: &LoginForm) -> Markup {
    card_page(
        "Log in",
        html! {
            h1 { "Log in" }
            p.lead { "Enter your registered email and we send you a secure login link." }
            form method="post" action="/login/link" novalidate {
                (csrf_field(csrf))
                label for="link-email" { "Email" }
                input #link-email type="email" name="email" autocomplete="email" required
                    value=(form.email);
                (field_error(&form.link_errors, "email"))
                button.button.block type="submit" { "Send login link" }
            }
            div.divider { "or log in with your password" }
            @if let Some(message) = &form.password_error {
                p.notice.error role="alert" { (message) }
            }
            form method="post" action="/login/password" novalidate {
                (csrf_field(csrf))
                label for="password-email" { "Email" }
                input #password-email type="email" name="email" autocomplete="username" required
                    value=(form.email);
                label for="password" { "Password" }
                input #password type="password" name="password" autocomplete="current-password" required;
                button.button.secondary.block type="submit" { "Log in" }
            }
            p.auth-links { a href="/password/forgot" { "Forgot password?" } }
        },
    )
}

/// The uniform answer to a link request (no form, so its bytes never vary).
pub fn link_sent(purpose: LinkPurpose) -> Markup {
    let (title, text) = match purpose {
        LinkPurpose::Login => ("Check your email", LINK_SENT),
        LinkPurpose::PasswordReset => ("Check your email", RESET_SENT),
    };
    card_page(
        title,
        html! {
            h1 { (title) }
            p.notice.info { (text) }
            p.auth-links { a href="/login" { "Back to log in" } }
        },
    )
}

/// The page of an emailed login link: nothing happens until *Continue* is pressed.
pub fn continue_login(csrf: &str, token: &str, email: &str) -> Markup {
    card_page(
        "Continue",
        html! {
            h1 { "Log in" }
            p.lead { "Continue as " strong { (email) } "." }
            form method="post" action="/login/continue" {
                (csrf_field(csrf))
                input type="hidden" name="token" value=(token);
                button.button.block type="submit" { "Continue" }
            }
            p.auth-links { "Not you? " a href="/login" { "Log in with another email" } }
        },
    )
}

/// A link that cannot be used (any more), with a form for a new one.
pub fn token_problem(csrf: &str, problem: TokenProblem, purpose: LinkPurpose) -> Markup {
    let (action, button) = match purpose {
        LinkPurpose::Login => ("/login/link", "Send a new login link"),
        LinkPurpose::PasswordReset => ("/password/forgot", "Send a new link"),
    };
    card_page(
        "Link not usable",
        html! {
            h1 { "This link cannot be used" }
            p.notice.error role="alert" { (problem.message()) }
            form method="post" action=(action) novalidate {
                (csrf_field(csrf))
                label for="email" { "Email" }
                input #email type="email" name="email" autocomplete="email" required;
                button.button.block type="submit" { (button) }
            }
            p.auth-links { a href="/login" { "Back to log in" } }
        },
    )
}

/// The email has no access (any more): the link worked but there is nowhere to go.
pub fn no_access() -> Markup {
    card_page(
        "No access",
        html! {
            h1 { "No access" }
            p.notice.error {
                "This email has no access to the portal at the moment. If you think it should, \
                 ask your contact at the carrier."
            }
            p.auth-links { a href="/login" { "Back to log in" } }
        },
    )
}

pub fn forgot(csrf: &str, email: &str, errors: &[FieldError]) -> Markup {
    card_page(
        "Forgot password",
        html! {
            h1 { "Set a new password" }
            p.lead { "Enter your registered email and we send you a link to set a new password." }
            form method="post" action="/password/forgot" novalidate {
                (csrf_field(csrf))
                label for="email" { "Email" }
                input #email type="email" name="email" autocomplete="email" required value=(email);
                (field_error(errors, "email"))
                button.button.block type="submit" { "Send link" }
            }
            p.auth-links { a href="/login" { "Back to log in" } }
        },
    )
}

/// The form behind a password-reset link.
pub fn reset(csrf: &str, token: &str, email: &str, errors: &[FieldError]) -> Markup {
    card_page(
        "New password",
        html! {
            h1 { "Set a new password" }
            p.lead {
                "For " strong { (email) } ". At least 12 characters and hard to guess; a short \
                 sentence of uncommon words works well."
            }
            form method="post" action="/password/reset" novalidate {
                (csrf_field(csrf))
                input type="hidden" name="token" value=(token);
                label for="password" { "New password" }
                input #password type="password" name="password" autocomplete="new-password" required;
                (field_error(errors, "password"))
                label for="confirm" { "Repeat the new password" }
                input #confirm type="password" name="confirm" autocomplete="new-password" required;
                (field_error(errors, "confirm"))
                button.button.block type="submit" { "Save password and log in" }
            }
        },
    )
}
