//! Input helpers every use case shares: collecting field errors ([`Fields`]), parsing ids,
//! the ids of creations under an idempotency key ([`creation_id`]) and the keys of the parts of
//! a use case that runs several commands ([`sub_key`]).

use crate::{Context, Error, Principal};
use portal_domain::FieldError;
use portal_eventlog::{ExecuteError, Idempotency, StreamId};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The id a creation command uses: under an idempotency key already used for a stream of
/// `category`, that stream's id (so the replay finds the first execution); under a new key an id
/// derived from the tenant, the category and the key (UUID v5), so two requests racing with the
/// same key (a double click) create the same stream and the second replays the first; without
/// a key a new UUID v7. A key used with another request's content is refused here already.
pub async fn creation_id(
    cx: &Context,
    principal: &Principal,
    category: &str,
    idempotency: Option<&Idempotency>,
) -> Result<Uuid, Error> {
    let Some(idem) = idempotency else {
        return Ok(Uuid::now_v7());
    };
    let prior = cx
        .store
        .find_idempotent(principal.tenant(), idem)
        .await
        .map_err(ExecuteError::from)?;
    if let Some(prior) = prior
        && let Some((cat, id)) = prior.stream_id.as_str().split_once('-')
        && cat == category
        && let Ok(id) = Uuid::parse_str(id)
    {
        return Ok(id);
    }
    let name = format!("{}/{category}/{}", principal.tenant(), idem.key());
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

/// Parses an id from a path or a body; an unparsable id is "not found" (like an unknown one).
pub fn parse_id<T: std::str::FromStr>(raw: &str) -> Result<T, Error> {
    raw.trim().parse().map_err(|_| Error::NotFound)
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

    /// `Ok(())` without errors, else [`Error::Invalid`] with all of them.
    pub fn finish(self) -> Result<(), Error> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid(self.0))
        }
    }
}

/// Unwraps a value [`Fields::finish`] has vouched for (all `Some` once `finish` is `Ok`).
pub(crate) fn checked<T>(value: Option<T>) -> Result<T, Error> {
    value.ok_or_else(|| Error::internal("a validated value is missing"))
}
