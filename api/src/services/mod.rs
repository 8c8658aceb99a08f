//! Application services: the staff's use cases (create a customer, switch its portal, add a
//! contact, grant access, bulk quick actions, move an order's status, add a charge, …), shared by
//! the JSON API ([`crate::json`]) and the pages ([`crate::pages`]). Each takes the [`crate::AppState`],
//! the [`crate::auth::Caller`] and validated input, gathers the facts a command needs from the
//! event log, and runs it through [`crate::commands::run`].
//!
//! Conventions every service here follows:
//! - **Staff only.** A caller who is not staff gets [`AppError::NotFound`] (staff paths do not
//!   exist for portal users), checked first by [`staff_only`].
//! - **Tenant scope.** Streams are loaded in the caller's tenant: an id of another tenant is
//!   [`AppError::NotFound`], exactly like an unknown id.
//! - **Input.** Inputs are plain structs of strings, booleans and numbers in the shape of the
//!   JSON bodies (so HTML forms can fill them too); validation returns every problem at once as
//!   field errors ([`AppError::Invalid`], 422) named like the JSON body's fields.
//! - **Idempotency.** Every write takes an optional [`Idempotency`] (from
//!   [`crate::commands::IdempotencyKey::for_request`]); a replay returns the same answer and
//!   appends nothing. Creations reuse the id of the first execution ([`creation_id`]); use cases
//!   that run commands on several aggregates derive one key per aggregate ([`sub_key`]).
//! - **One request, one append.** Several changes of one aggregate (a customer's details and
//!   status, both portal switches, a carrier location's details and visibility) run through
//!   [`crate::commands::run_many`]: one transaction, one correlation id, the request's key, and
//!   a rejection of any appends nothing. Across aggregates this cannot hold (an append is per
//!   stream): the bulk quick action appends once per customer by design and reports each; the
//!   order form's "save to address book" creates each location before the draft is saved.
//!
//! Modules: [`customers`], [`contacts`], [`bulk`] (quick actions), [`orders`] (status and
//! charges), [`locations`] (carrier locations), [`audit`] (event export and stream history),
//! [`exports`] (the order list as CSV or XLSX, both roles), [`time_zone`] (the tenant's zone).

pub mod audit;
pub mod bulk;
pub mod contacts;
pub mod customers;
pub mod exports;
pub mod locations;
pub mod orders;
pub mod portal;
pub mod time_zone;

use crate::auth::Caller;
use crate::error::AppError;
use portal_domain::FieldError;
use portal_eventlog::{ExecuteError, Idempotency, StreamId};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// Refuses callers that are not staff of their tenant (as 404: the path is not theirs).
pub fn staff_only(caller: &Caller) -> Result<(), AppError> {
    if caller.is_staff() {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// The id a creation command uses: under an idempotency key already used for a stream of
/// `category`, that stream's id (so the replay finds the first execution); under a new key an id
/// derived from the tenant, the category and the key (UUID v5), so two requests racing with the
/// same key (a double click) create the same stream and the second replays the first; without
/// a key a new UUID v7. A key used with another request's content is refused here already.
pub async fn creation_id(
    state: &crate::AppState,
    caller: &Caller,
    category: &str,
    idempotency: Option<&Idempotency>,
) -> Result<Uuid, AppError> {
    let Some(idem) = idempotency else {
        return Ok(Uuid::now_v7());
    };
    let prior = state
        .store
        .find_idempotent(caller.tenant(), idem)
        .await
        .map_err(ExecuteError::from)?;
    if let Some(prior) = prior
        && let Some((cat, id)) = prior.stream_id.as_str().split_once('-')
        && cat == category
        && let Ok(id) = Uuid::parse_str(id)
    {
        return Ok(id);
    }
    let name = format!("{}/{category}/{}", caller.tenant(), idem.key());
    Ok(Uuid::new_v5(&CREATION_NAMESPACE, name.as_bytes()))
}

/// The UUID v5 namespace of [`creation_id`] (any fixed value; changing it would only matter for
/// keys reused across the change).
const CREATION_NAMESPACE: Uuid = Uuid::from_u128(0x5d1c_0a2e_7f3b_4c61_9e0d_2b8a_4f67_c013);

/// The key of one command of a use case that runs several (`part` names the command): derived
/// from the request's key, bound to the same content.
pub fn sub_key(idempotency: Option<&Idempotency>, part: &str) -> Option<Idempotency> {
    let idem = idempotency?;
    let digest = hex::encode(Sha256::digest(idem.key().as_bytes()));
    let key = format!("{part}:{}", &digest[..40]);
    Idempotency::new(&key, &(part, idem.fingerprint())).ok()
}

/// The stream of aggregate `A` for `id`.
pub fn stream<A: portal_domain::Aggregate>(id: impl std::fmt::Display) -> StreamId {
    StreamId::of::<A>(id)
}

/// Parses an id from the URL or a body; an unparsable id is "not found" (like an unknown one).
pub fn parse_id<T: std::str::FromStr>(raw: &str) -> Result<T, AppError> {
    raw.trim().parse().map_err(|_| AppError::NotFound)
}

/// Collects field errors while validating an input.
#[derive(Debug, Default)]
pub struct Fields(pub Vec<FieldError>);

impl Fields {
    /// The value of `result`, or `None` after recording its error.
    pub fn take<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(e);
                None
            }
        }
    }

    /// Records every error of `result` (several fields), prefixed with `parent.` when given.
    pub fn take_all<T>(
        &mut self,
        parent: Option<&str>,
        result: Result<T, Vec<FieldError>>,
    ) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(es) => {
                self.0.extend(es.into_iter().map(|e| match parent {
                    Some(p) => e.within(p),
                    None => e,
                }));
                None
            }
        }
    }

    /// Records `message` for `field`.
    pub fn push(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    /// A required value: `None` records "is required".
    pub fn required<T>(&mut self, field: &str, value: Option<T>) -> Option<T> {
        if value.is_none() {
            self.push(field, "is required");
        }
        value
    }

    /// `Ok(())` without errors, else the 422 with all of them.
    pub fn finish(self) -> Result<(), AppError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(AppError::Invalid(self.0))
        }
    }
}

/// Unwraps a value [`Fields::finish`] has vouched for (all `Some` once `finish` is `Ok`).
pub(crate) fn checked<T>(value: Option<T>) -> Result<T, AppError> {
    value.ok_or_else(|| AppError::internal("a validated value is missing"))
}
