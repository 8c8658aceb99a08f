//! HTML answers to errors: [`render_errors`] turns the problem document of an [`AppError`] on a
//! non-API route into an error page with the same status (and a 401 into a redirect to the login
//! page); [`not_found`] answers unknown paths (JSON under `/api/`, a page elsewhere).
//!
//! A logged-in user's error page keeps the site's header and navigation (staff or portal), so a
//! 404 or 409 is a page of the application with a way on, not a dead end. The caller is looked up
//! only once an error is known: pages that succeed pay nothing for it.

use super::layout::{Nav, page};
use crate::AppState;
use crate::auth::Caller;
use crate::error::{AppError, ErrorInfo};
use crate::web::csrf::CsrfToken;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};

/// Fallback of the router.
pub async fn not_found() -> AppError {
    AppError::NotFound
}

fn error_page(info: &ErrorInfo, nav: Option<&Nav>) -> Markup {
    let home = nav.map_or("/", |n| n.home);
    page(
        info.title,
        nav,
        html! {
            section.card.error-page {
                p.error-code { (info.status.as_u16()) }
                h1 { (info.title) }
                p { (info.detail) }
                @if !info.errors.is_empty() {
                    ul {
                        @for e in &info.errors { li { (e.field) ": " (e.message) } }
                    }
                }
                p { a.button href=(home) { "Go to the start page" } }
            }
        },
    )
}

/// Middleware: see the module docs.
pub async fn render_errors(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let api = request.uri().path().starts_with("/api/");
    // What identifies the caller (cookies, the session), kept to build the header if it fails.
    let (parts, body) = request.into_parts();
    let who = (parts.headers.clone(), parts.extensions.clone());
    let response = next.run(Request::from_parts(parts, body)).await;
    if api {
        return response;
    }
    let Some(info) = response.extensions().get::<ErrorInfo>().cloned() else {
        return response;
    };
    let (parts, _) = response.into_parts();
    let mut out = if info.status == StatusCode::UNAUTHORIZED {
        Redirect::to("/login").into_response()
    } else {
        let nav = nav(&state, who).await;
        (info.status, error_page(&info, nav.as_ref())).into_response()
    };
    // Keep what else the answer said (cookies), not its body's headers.
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            out.headers_mut().append(name, value.clone());
        }
    }
    out
}

/// The header of the caller whose request failed; `None` when not logged in (or when even that
/// cannot be read: the error page must not fail in turn).
async fn nav(
    state: &AppState,
    (headers, extensions): (header::HeaderMap, axum::http::Extensions),
) -> Option<Nav> {
    let (mut parts, ()) = Request::new(()).into_parts();
    parts.headers = headers;
    parts.extensions = extensions;
    let caller = Caller::from_request_parts(&mut parts, state).await.ok()?;
    let CsrfToken(csrf) = CsrfToken::from_request_parts(&mut parts, state)
        .await
        .ok()?;
    Nav::for_caller(state, &caller, &csrf).await.ok()
}
