//! Commands on the identity aggregate ([`User`], stream `user-<UserId::for_email>` in the
//! reserved tenant [`TenantId::identity`]). Each registers the identity first when needed (a
//! no-op when it exists), so a staff member or contact logging in for the first time gets one.
//! Events carry ids and the email only: never a token, a password or its hash.

use portal_domain::user::{LinkPurpose, LoginMethod, TokenScope, User, UserCommand};
use portal_domain::values::{Email, TimeZoneName};
use portal_domain::{Actor, ApiTokenId, LoginRequestId, TenantId, UserId};
use portal_eventlog::{CommandContext, ExecuteError, Metadata, Store, StreamId, execute};
use uuid::Uuid;

/// The stream of an identity.
pub fn stream_of(user_id: UserId) -> StreamId {
    StreamId::of::<User>(user_id)
}

fn context(actor: Actor) -> CommandContext {
    CommandContext {
        tenant: TenantId::identity(),
        metadata: Metadata::new(actor),
        idempotency: None,
    }
}

/// Registers the identity of `email` (no-op when it exists) and runs `command` on it.
async fn run(
    store: &Store,
    email: &Email,
    ctx: &CommandContext,
    command: UserCommand,
) -> Result<(), ExecuteError> {
    let user_id = UserId::for_email(email);
    let stream = stream_of(user_id);
    let registered = execute::<User>(
        store,
        &stream,
        ctx,
        &UserCommand::RegisterUser {
            user_id,
            email: email.clone(),
        },
    )
    .await?;
    crate::consistency::record(registered.append.as_ref());
    let done = execute::<User>(store, &stream, ctx, &command).await?;
    crate::consistency::record(done.append.as_ref());
    Ok(())
}

/// Someone asked for a link for `email` (the caller checked that it has access). The notifier
/// mints the token when it handles the event.
pub async fn request_link(
    store: &Store,
    email: &Email,
    purpose: LinkPurpose,
) -> Result<(), ExecuteError> {
    let command = UserCommand::RequestLoginLink {
        request_id: LoginRequestId(Uuid::now_v7()),
        purpose,
    };
    run(store, email, &context(Actor::System), command).await
}

/// A session was started.
pub async fn record_login(
    store: &Store,
    email: &Email,
    method: LoginMethod,
) -> Result<(), ExecuteError> {
    let command = UserCommand::RecordLogin { method };
    run(store, email, &context(Actor::System), command).await
}

/// A password was set (the hash is in `credentials`, never in the event).
pub async fn record_password_set(
    store: &Store,
    email: &Email,
    reset: bool,
    actor: Actor,
) -> Result<(), ExecuteError> {
    let command = UserCommand::SetPassword { reset };
    run(store, email, &context(actor), command).await
}

/// `portal token create`: a bearer token was issued (its hash is in `api_tokens`).
pub async fn record_api_token(
    store: &Store,
    email: &Email,
    credential_id: ApiTokenId,
    scope: TokenScope,
) -> Result<(), ExecuteError> {
    let command = UserCommand::IssueApiToken {
        credential_id,
        scope,
    };
    run(store, email, &context(Actor::Operator), command).await
}

/// The user chose their own time zone (`None`: the carrier's again); the caller checked the
/// name against the time-zone database.
pub async fn record_time_zone_preference(
    store: &Store,
    email: &Email,
    time_zone: Option<TimeZoneName>,
    actor: Actor,
) -> Result<(), ExecuteError> {
    let command = UserCommand::SetTimeZonePreference { time_zone };
    run(store, email, &context(actor), command).await
}
