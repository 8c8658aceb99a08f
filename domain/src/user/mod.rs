//! A login identity (a *user*): one per email, shared by staff membership and portal grants.
//!
//! Identities are not owned by one carrier: an email may have portal access at several tenants
//! and be staff at one. Their streams (`user-<uuid>`) therefore live in the reserved
//! [`TenantId::identity`] realm, and the [`UserId`] is derived from the email
//! ([`UserId::for_email`]) so that two concurrent first logins of one email meet on one stream
//! (the second append fails its expected version and decides again) instead of minting two
//! identities.
//!
//! Secrets never enter this aggregate: a login link request carries a request id (the notifier
//! mints the token and stores only its hash), and a password change records only that it happened
//! (the argon2id hash lives in the credentials table). Whether the email may log in at all (a
//! grant or a staff membership) is decided by the caller from the read models, before it sends
//! commands here.
//!
//! [`TenantId::identity`]: crate::TenantId::identity

use crate::error::DomainError;
use crate::ids::{ApiTokenId, CustomerId, LoginRequestId, TenantId, UserId};
use crate::values::{Email, TimeZoneName};
use crate::{Aggregate, DomainEvent};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[cfg(test)]
mod tests;

/// The user aggregate, stream `user-<uuid>` in the identity realm.
pub struct User;

/// What an emailed link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LinkPurpose {
    /// The link logs the user in.
    Login,
    /// The link opens a form that sets a new password (and logs the user in).
    PasswordReset,
}

impl LinkPurpose {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Login => "login",
            Self::PasswordReset => "password_reset",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "login" => Some(Self::Login),
            "password_reset" => Some(Self::PasswordReset),
            _ => None,
        }
    }
}

/// How a session was started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LoginMethod {
    /// An emailed login link.
    Link,
    /// Email and password.
    Password,
    /// An emailed password-reset link, after setting the new password.
    PasswordReset,
}

/// The scope a bearer token was issued for: staff of a tenant, or a portal grant at one customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TokenScope {
    Staff {
        tenant: TenantId,
    },
    Portal {
        tenant: TenantId,
        customer_id: CustomerId,
    },
}

/// Serialised for audits (`portal replay`, the audit views): the state as it was.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct UserState {
    pub exists: bool,
    pub user_id: Option<UserId>,
    pub email: Option<Email>,
    pub has_password: bool,
    /// Link requests so far (the notifier answers each with one email).
    pub link_requests: u64,
    pub logins: u64,
    pub api_tokens: Vec<ApiTokenId>,
    /// The tokens of [`Self::api_tokens`] that were revoked.
    pub revoked_api_tokens: Vec<ApiTokenId>,
    /// The user's own zone for showing times; `None` follows the carrier's zone.
    pub time_zone: Option<TimeZoneName>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum UserCommand {
    /// Registers the identity of `email` (a no-op when it exists). `user_id` must be
    /// [`UserId::for_email`] of `email`.
    RegisterUser { user_id: UserId, email: Email },
    /// Someone asked for a login or password-reset link for this identity. The caller has
    /// already checked that the email may log in.
    RequestLoginLink {
        request_id: LoginRequestId,
        purpose: LinkPurpose,
    },
    /// The user set (or changed, or reset) a password; the hash is stored elsewhere.
    SetPassword { reset: bool },
    /// A session was started.
    RecordLogin { method: LoginMethod },
    /// `portal token create`: a bearer token for integrations was issued.
    IssueApiToken {
        credential_id: ApiTokenId,
        scope: TokenScope,
    },
    /// A bearer token of this identity is revoked (by its owner on the account page, or by an
    /// operator); revoking it again is a no-op.
    RevokeApiToken { credential_id: ApiTokenId },
    /// The user's own time zone (`None`: follow the carrier's). The caller checks the name
    /// against the time-zone database; the same preference again is a no-op.
    SetTimeZonePreference { time_zone: Option<TimeZoneName> },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", content = "data", rename_all_fields = "snake_case")]
pub enum UserEvent {
    UserRegistered {
        user_id: UserId,
        email: Email,
    },
    /// Carries the email because the notifier sends the link to it; never the token, which the
    /// notifier mints when it handles this event.
    LoginLinkRequested {
        user_id: UserId,
        email: Email,
        request_id: LoginRequestId,
        purpose: LinkPurpose,
    },
    /// Only that a password was set; the hash is never in an event.
    PasswordSet {
        user_id: UserId,
        /// True when set through an emailed reset link.
        reset: bool,
    },
    UserLoggedIn {
        user_id: UserId,
        method: LoginMethod,
    },
    /// Only the token's id and scope; the token itself is printed once and stored hashed.
    /// `credential_id` names the token (field names with "token" are kept for secrets).
    ApiTokenIssued {
        user_id: UserId,
        credential_id: ApiTokenId,
        scope: TokenScope,
    },
    /// The token stops working; its row in `api_tokens` records when.
    ApiTokenRevoked {
        user_id: UserId,
        credential_id: ApiTokenId,
    },
    /// `time_zone: null` means the user follows the carrier's zone again.
    UserTimeZonePreferenceSet {
        user_id: UserId,
        time_zone: Option<TimeZoneName>,
    },
}

impl DomainEvent for UserEvent {
    const TYPES: &'static [&'static str] = &[
        "UserRegistered",
        "LoginLinkRequested",
        "PasswordSet",
        "UserLoggedIn",
        "ApiTokenIssued",
        "ApiTokenRevoked",
        "UserTimeZonePreferenceSet",
    ];

    fn event_type(&self) -> &'static str {
        match self {
            Self::UserRegistered { .. } => "UserRegistered",
            Self::LoginLinkRequested { .. } => "LoginLinkRequested",
            Self::PasswordSet { .. } => "PasswordSet",
            Self::UserLoggedIn { .. } => "UserLoggedIn",
            Self::ApiTokenIssued { .. } => "ApiTokenIssued",
            Self::ApiTokenRevoked { .. } => "ApiTokenRevoked",
            Self::UserTimeZonePreferenceSet { .. } => "UserTimeZonePreferenceSet",
        }
    }
}

fn existing(state: &UserState) -> Result<(UserId, Email), DomainError> {
    match (state.user_id, &state.email) {
        (Some(id), Some(email)) if state.exists => Ok((id, email.clone())),
        _ => Err(DomainError::NotFound("user")),
    }
}

impl Aggregate for User {
    const CATEGORY: &'static str = "user";
    type State = UserState;
    type Command = UserCommand;
    type Event = UserEvent;

    fn decide(state: &UserState, command: &UserCommand) -> Result<Vec<UserEvent>, DomainError> {
        use UserCommand as C;
        use UserEvent as E;
        match command {
            C::RegisterUser { user_id, email } => {
                if *user_id != UserId::for_email(email) {
                    return Err(DomainError::Rule(
                        "a user id must be derived from its email".to_owned(),
                    ));
                }
                if state.exists {
                    return Ok(vec![]);
                }
                Ok(vec![E::UserRegistered {
                    user_id: *user_id,
                    email: email.clone(),
                }])
            }
            C::RequestLoginLink {
                request_id,
                purpose,
            } => {
                let (user_id, email) = existing(state)?;
                Ok(vec![E::LoginLinkRequested {
                    user_id,
                    email,
                    request_id: *request_id,
                    purpose: *purpose,
                }])
            }
            C::SetPassword { reset } => {
                let (user_id, _) = existing(state)?;
                Ok(vec![E::PasswordSet {
                    user_id,
                    reset: *reset,
                }])
            }
            C::RecordLogin { method } => {
                let (user_id, _) = existing(state)?;
                Ok(vec![E::UserLoggedIn {
                    user_id,
                    method: *method,
                }])
            }
            C::IssueApiToken {
                credential_id,
                scope,
            } => {
                let (user_id, _) = existing(state)?;
                if state.api_tokens.contains(credential_id) {
                    return Err(DomainError::AlreadyExists("api token"));
                }
                Ok(vec![E::ApiTokenIssued {
                    user_id,
                    credential_id: *credential_id,
                    scope: scope.clone(),
                }])
            }
            C::RevokeApiToken { credential_id } => {
                let (user_id, _) = existing(state)?;
                if !state.api_tokens.contains(credential_id) {
                    return Err(DomainError::NotFound("api token"));
                }
                if state.revoked_api_tokens.contains(credential_id) {
                    return Ok(vec![]);
                }
                Ok(vec![E::ApiTokenRevoked {
                    user_id,
                    credential_id: *credential_id,
                }])
            }
            C::SetTimeZonePreference { time_zone } => {
                let (user_id, _) = existing(state)?;
                if state.time_zone == *time_zone {
                    return Ok(vec![]);
                }
                Ok(vec![E::UserTimeZonePreferenceSet {
                    user_id,
                    time_zone: time_zone.clone(),
                }])
            }
        }
    }

    fn evolve(mut state: UserState, event: &UserEvent) -> UserState {
        use UserEvent as E;
        match event {
            E::UserRegistered { user_id, email } => {
                state.exists = true;
                state.user_id = Some(*user_id);
                state.email = Some(email.clone());
            }
            E::LoginLinkRequested { .. } => state.link_requests += 1,
            E::PasswordSet { .. } => state.has_password = true,
            E::UserLoggedIn { .. } => state.logins += 1,
            E::ApiTokenIssued { credential_id, .. } => state.api_tokens.push(*credential_id),
            E::ApiTokenRevoked { credential_id, .. } => {
                state.revoked_api_tokens.push(*credential_id);
            }
            E::UserTimeZonePreferenceSet { time_zone, .. } => state.time_zone = time_zone.clone(),
        }
        state
    }
}
