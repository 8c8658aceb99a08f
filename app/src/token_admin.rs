//! Listing and revoking bearer tokens (`portal token list`, `portal token revoke`, the account
//! page). Lists never show a token, only its first characters ([`super::api_tokens::PREFIX_CHARS`]).
//! A revocation sets `revoked_at` first (the token stops working at once) and then records
//! `ApiTokenRevoked` on the owner's identity; the same revocation again changes nothing.

use crate::token_grants;
use portal_domain::user::{User, UserCommand};
use portal_domain::{Actor, ApiTokenId, DomainError, TenantId, UserId};
use portal_eventlog::{
    CommandContext, ExecuteError, Idempotency, Metadata, Store, StreamId, execute,
};
use portal_identity::api_tokens as stored;
use portal_identity::{Db, IdentityError};
use time::OffsetDateTime;
use tracing::{info, instrument};

pub use portal_identity::api_tokens::{TokenInfo, TokenStatus};

/// Why a list or a revocation failed.
#[derive(Debug, thiserror::Error)]
pub enum TokenAdminError {
    #[error("there is no token {0}")]
    NotFound(ApiTokenId),
    #[error("cannot read the log: {0}")]
    Execute(#[from] ExecuteError),
    #[error("cannot read or write the tokens: {0}")]
    Db(#[from] IdentityError),
}

/// The tokens of identity `owner` (every token when `None`), newest first. A token whose grant
/// ended since it was made is shown (and recorded) as ended.
#[instrument(skip_all)]
pub async fn list(
    store: &Store,
    db: &Db,
    owner: Option<UserId>,
    now: OffsetDateTime,
) -> Result<Vec<TokenInfo>, TokenAdminError> {
    let mut out = Vec::new();
    for (mut info, bound) in stored::list(db, owner, now).await? {
        if info.status == TokenStatus::Active
            && let Some(bound) = bound
            && token_grants::ended(store, &bound).await?
        {
            stored::mark_ended(db, &info.credential_id.to_string(), now).await?;
            info.status = TokenStatus::Ended;
        }
        out.push(info);
    }
    Ok(out)
}

/// Revokes token `credential_id` (only a token of `owner` when given): false when it was revoked
/// already. `idempotency` is the key of the revoking form, so a resubmitted form records nothing
/// twice.
#[instrument(skip_all)]
pub async fn revoke(
    store: &Store,
    db: &Db,
    credential_id: ApiTokenId,
    owner: Option<UserId>,
    actor: Actor,
    idempotency: Option<Idempotency>,
    now: OffsetDateTime,
) -> Result<bool, TokenAdminError> {
    let user_id = stored::owner_of(db, credential_id)
        .await?
        .filter(|u| owner.is_none_or(|o| o == *u))
        .ok_or(TokenAdminError::NotFound(credential_id))?;
    let changed = stored::revoke(db, credential_id, now).await?;
    let ctx = CommandContext {
        tenant: TenantId::identity(),
        metadata: Metadata::new(actor),
        idempotency,
    };
    let command = UserCommand::RevokeApiToken { credential_id };
    let stream = StreamId::of::<User>(user_id);
    match execute::<User>(store, &stream, &ctx, &command).await {
        // A row without its `ApiTokenIssued` (written by hand): revoked, nothing to record.
        Ok(executed) => crate::positions::record(executed.append.as_ref()),
        Err(ExecuteError::Rejected(DomainError::NotFound(_))) => {}
        Err(e) => return Err(e.into()),
    }
    info!(credential = %credential_id, changed, "api token revoked");
    Ok(changed)
}
