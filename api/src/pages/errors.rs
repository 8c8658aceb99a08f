//! HTML answers to errors: [`render_errors`] turns the problem document of an [`AppError`] on a
//! non-API route into an error page with the same status (and a 401 into a redirect to the login
//! page); [`not_found`] answers unknown paths (JSON under `/api/`, a page elsewhere).

use super::layout::page;
use crate::error::{AppError, ErrorInfo};
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};

/// Fallback of the router.
pub async fn not_found() -> AppError {
    AppError::NotFound
}

fn error_page(info: &ErrorInfo) -> Markup {
    page(
        info.title,
        None,
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
                p { a.button href="/" { "Go to the start page" } }
            }
        },
    )
}

/// Middleware: see the module docs.
pub async fn render_errors(request: Request, next: Next) -> Response {
    let api = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
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
        (info.status, error_page(&info)).into_response()
    };
    // Keep what else the answer said (cookies), not its body's headers.
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            out.headers_mut().append(name, value.clone());
        }
    }
    out
}
