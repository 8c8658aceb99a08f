//! Flash messages: one short message ("Customer created.", "Access granted to Ann.") kept in the
//! server-side session by the handler of a form POST, then shown once by the page the browser is
//! redirected to, and removed as it is read. Nothing of it travels in a cookie or a URL, so a
//! message cannot be forged by a link, and the redirect after every successful POST keeps a
//! reload from sending the form again.

use crate::error::AppError;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

/// The session key of the pending message.
const KEY: &str = "flash";

/// How a message is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Ok,
    Info,
    Error,
}

impl Kind {
    fn class(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Info => "info",
            Self::Error => "error",
        }
    }
}

/// One message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flash {
    pub kind: Kind,
    pub text: String,
}

impl Flash {
    pub fn ok(text: impl Into<String>) -> Self {
        Self {
            kind: Kind::Ok,
            text: text.into(),
        }
    }

    pub fn info(text: impl Into<String>) -> Self {
        Self {
            kind: Kind::Info,
            text: text.into(),
        }
    }

    pub fn error(text: impl Into<String>) -> Self {
        Self {
            kind: Kind::Error,
            text: text.into(),
        }
    }
}

/// Keeps `flash` for the next page (replacing a message not shown yet).
pub async fn set(session: &Session, flash: Flash) -> Result<(), AppError> {
    session.insert(KEY, flash).await?;
    Ok(())
}

/// The pending message, removed from the session.
pub async fn take(session: &Session) -> Result<Option<Flash>, AppError> {
    Ok(session.remove::<Flash>(KEY).await?)
}

/// Keeps `flash` and answers `303 See Other` to `to`: the end of every successful form POST.
pub async fn redirect(session: &Session, flash: Flash, to: &str) -> Result<Response, AppError> {
    set(session, flash).await?;
    Ok(Redirect::to(to).into_response())
}

/// The message box (`role=status`, so screen readers announce it).
pub fn render(flash: Option<&Flash>) -> Markup {
    html! {
        @if let Some(f) = flash {
            div class={ "notice flash " (f.kind.class()) } role="status" { (f.text) }
        }
    }
}
