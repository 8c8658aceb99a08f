//! Logging in and out: the login page, the emailed link's *Continue* page (GET changes nothing,
//! POST consumes the token in one atomic statement), email + password, and `POST /logout`.
//!
//! Every way in ends in [`complete_login`]: the email's scopes are read again (no scope, no
//! session), `UserLoggedIn` is recorded, and a fresh session (new id, new CSRF token) starts in
//! the only scope or, with several, on the switcher.

use super::identity;
use super::rate_limit::{self, Action};
use super::scopes::{ScopeOption, scopes_of};
use super::session::{self, SessionUser};
use crate::AppState;
use crate::error::AppError;
use crate::pages::auth_views::{self, BAD_CREDENTIALS, LoginForm, TOO_MANY};
use crate::web::Query;
use crate::web::headers::no_referrer;
use crate::web::{ClientIp, CsrfToken};
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use portal_domain::UserId;
use portal_domain::user::{LinkPurpose, LoginMethod};
use portal_domain::values::Email;
use portal_identity::db::millis;
use portal_identity::passwords as password;
use portal_identity::tokens::{self, TokenProblem};
use serde::Deserialize;
use time::OffsetDateTime;
use tower_sessions::Session;
use tracing::{info, instrument};

/// `GET /login`: the login page, or onwards for a session that is logged in already.
pub async fn login_page(
    State(state): State<AppState>,
    session: Session,
    csrf: CsrfToken,
) -> Result<Response, AppError> {
    if let Some((_, scope)) = session::current(&state, &session).await? {
        let to = scope.map_or("/switch", |s| s.home());
        return Ok(Redirect::to(to).into_response());
    }
    Ok(no_referrer(auth_views::login(
        &csrf.0,
        &LoginForm::default(),
    )))
}

/// `?token=` of an emailed link.
#[derive(Debug, Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    pub token: String,
}

/// The status of a page saying why a link cannot be used.
pub fn problem_status(problem: TokenProblem) -> StatusCode {
    match problem {
        TokenProblem::Unknown => StatusCode::BAD_REQUEST,
        TokenProblem::Used | TokenProblem::Expired | TokenProblem::Superseded => StatusCode::GONE,
    }
}

/// The page of a link that cannot be used.
pub fn problem_page(csrf: &str, problem: TokenProblem, purpose: LinkPurpose) -> Response {
    no_referrer((
        problem_status(problem),
        auth_views::token_problem(csrf, problem, purpose),
    ))
}

/// The page behind an emailed link, consuming nothing: `form(token, email)` with `status` while
/// the token of `purpose` is usable, else the page that says why it is not.
pub async fn token_page(
    state: &AppState,
    csrf: &str,
    token: &str,
    purpose: LinkPurpose,
    status: StatusCode,
    form: impl FnOnce(&str, &str) -> maud::Markup,
) -> Result<Response, AppError> {
    let now = OffsetDateTime::now_utc();
    Ok(
        match tokens::status(&state.db, token, purpose, now).await? {
            Ok(owner) => no_referrer((status, form(token.trim(), owner.email.as_str()))),
            Err(problem) => problem_page(csrf, problem, purpose),
        },
    )
}

/// `GET /login/continue?token=`: shows *Continue*; consumes nothing.
#[instrument(skip_all)]
pub async fn continue_page(
    State(state): State<AppState>,
    csrf: CsrfToken,
    Query(q): Query<TokenQuery>,
) -> Result<Response, AppError> {
    token_page(
        &state,
        &csrf.0,
        &q.token,
        LinkPurpose::Login,
        StatusCode::OK,
        |token, email| auth_views::continue_login(&csrf.0, token, email),
    )
    .await
}

/// The form of the *Continue* page.
#[derive(Debug, Deserialize)]
pub struct ContinueForm {
    #[serde(default)]
    pub token: String,
}

/// `POST /login/continue`: uses the token (once) and logs in.
#[instrument(skip_all)]
pub async fn continue_login(
    State(state): State<AppState>,
    session: Session,
    csrf: CsrfToken,
    Form(form): Form<ContinueForm>,
) -> Result<Response, AppError> {
    let now = OffsetDateTime::now_utc();
    match tokens::consume(&state.db, &form.token, LinkPurpose::Login, now).await? {
        Ok(owner) => Ok(
            complete_login(&state, &session, &owner.email, LoginMethod::Link)
                .await?
                .unwrap_or_else(no_access),
        ),
        Err(problem) => {
            info!(problem = ?problem, "login link refused");
            Ok(problem_page(&csrf.0, problem, LinkPurpose::Login))
        }
    }
}

/// The answer when the email has no scope (any more).
pub fn no_access() -> Response {
    no_referrer((StatusCode::FORBIDDEN, auth_views::no_access()))
}

/// Starts the session of `email` after it proved itself by `method`: `None` (and nothing
/// recorded) when the email has no scope.
pub async fn complete_login(
    state: &AppState,
    session: &Session,
    email: &Email,
    method: LoginMethod,
) -> Result<Option<Response>, AppError> {
    let scopes: Vec<ScopeOption> = scopes_of(&state.read, email).await?;
    if scopes.is_empty() {
        return Ok(None);
    }
    identity::record_login(&state.store, email, method).await?;
    let user = SessionUser {
        user_id: UserId::for_email(email),
        email: email.clone(),
        login_at: millis(OffsetDateTime::now_utc()),
        scope_count: scopes.len(),
    };
    let only = match scopes.as_slice() {
        [one] => Some(one.scope.clone()),
        _ => None,
    };
    session::start(session, &user, only.as_ref()).await?;
    info!(method = ?method, scopes = scopes.len(), "logged in");
    let to = only.as_ref().map_or("/switch", |s| s.home());
    // The session id changed with the login: tokens issued before it no longer verify.
    Ok(Some(Redirect::to(to).into_response()))
}

/// The password form of the login page.
#[derive(Debug, Deserialize)]
pub struct PasswordLoginForm {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub password: String,
}

/// `POST /login/password`: one answer for every failure.
#[instrument(skip_all)]
pub async fn password_login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    session: Session,
    csrf: CsrfToken,
    Form(form): Form<PasswordLoginForm>,
) -> Result<Response, AppError> {
    let now = OffsetDateTime::now_utc();
    let email = Email::parse(&form.email).ok();
    let refuse = |status: StatusCode, message: &str| {
        let page = auth_views::login(
            &csrf.0,
            &LoginForm {
                email: form.email.clone(),
                link_errors: Vec::new(),
                password_error: Some(message.to_owned()),
            },
        );
        no_referrer((status, page))
    };
    let limits = &state.auth.limits;
    if !rate_limit::allow(&state.db, limits, Action::Password, email.as_ref(), ip, now).await? {
        info!("password tries over the rate limit");
        return Ok(refuse(StatusCode::TOO_MANY_REQUESTS, TOO_MANY));
    }
    let stored = match &email {
        Some(e) => password::stored(&state.db, UserId::for_email(e)).await?,
        None => None,
    };
    let matches = form.password.chars().count() <= password::MAX_CHARS
        && password::verify(form.password.clone(), stored).await?;
    if let (true, Some(email)) = (matches, &email)
        && let Some(done) = complete_login(&state, &session, email, LoginMethod::Password).await?
    {
        return Ok(done);
    }
    info!("password login refused");
    Ok(refuse(StatusCode::UNAUTHORIZED, BAD_CREDENTIALS))
}

/// `POST /logout`: deletes the server-side session and the cookie.
pub async fn logout(session: Session) -> Result<Response, AppError> {
    session::end(&session).await?;
    Ok(Redirect::to("/login").into_response())
}
