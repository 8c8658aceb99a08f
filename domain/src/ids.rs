//! Identifiers. Every entity id is a newtype over a UUID so that ids of different kinds cannot be
//! mixed up; the ids themselves are minted outside the domain (UUID v7) and passed in commands.
//!
//! The tenant is the exception: its id is its slug (`acme`), because it appears in NATS subjects
//! (`portal.events.<tenant>.…`) and URLs, where it must be stable and readable. A slug never
//! changes once the tenant exists; the display name can.

use crate::error::FieldError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
        )]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl From<Uuid> for $name {
            fn from(u: Uuid) -> Self {
                Self(u)
            }
        }
    };
}

uuid_id!(
    /// A customer of the carrier.
    CustomerId
);
uuid_id!(
    /// A contact person of a customer.
    ContactId
);
uuid_id!(
    /// A transport order.
    OrderId
);
uuid_id!(
    /// A location (address book entry or carrier location).
    LocationId
);
uuid_id!(
    /// A charge on an order.
    ChargeId
);
uuid_id!(
    /// A login identity (staff member or portal user); one per email, see [`UserId::for_email`].
    UserId
);
uuid_id!(
    /// One request for an emailed login or password-reset link.
    LoginRequestId
);
uuid_id!(
    /// A bearer token for integrations (`portal token create`); the token itself is secret.
    ApiTokenId
);

/// Namespace of [`UserId::for_email`] (a fixed random UUID; changing it would split every
/// identity from its history).
const USER_NAMESPACE: Uuid = Uuid::from_u128(0x6f1c_2d4e_8a3b_4c5d_9e7f_1a2b_3c4d_5e6f);

impl UserId {
    /// The identity of an email: a name-based UUID (v5) of the normalised address. Deterministic,
    /// so that the identity's stream is found without a lookup table and two concurrent first
    /// logins meet on one stream. It is a pseudonym, not a secret: whoever knows an email can
    /// compute it (the email itself travels in the same events).
    pub fn for_email(email: &crate::values::Email) -> Self {
        Self(Uuid::new_v5(&USER_NAMESPACE, email.as_str().as_bytes()))
    }
}

/// The tenant (carrier) id: a slug of 2–40 characters `a-z`, `0-9` and `-`, starting with a letter,
/// not ending with `-`.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(try_from = "String", into = "String")]
#[schemars(extend("minLength" = 2, "maxLength" = 40, "pattern" = "^[a-z][a-z0-9-]*[a-z0-9]$"))]
pub struct TenantId(String);

impl TenantId {
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        let s = s.trim();
        let ok_chars = s
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        let starts = s.chars().next().is_some_and(|c| c.is_ascii_lowercase());
        if (2..=40).contains(&s.len()) && ok_chars && starts && !s.ends_with('-') {
            Ok(Self(s.to_owned()))
        } else {
            Err(FieldError::new(
                "slug",
                "a tenant slug has 2 to 40 characters a-z, 0-9 or '-', starts with a letter and does not end with '-'",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The realm of login identities (see [`crate::user`]): identities are shared across
    /// carriers, so their events belong to no carrier. No tenant can be created with this slug.
    pub fn identity() -> Self {
        Self(Self::IDENTITY.to_owned())
    }

    pub const IDENTITY: &'static str = "identity";

    pub fn is_identity(&self) -> bool {
        self.0 == Self::IDENTITY
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for TenantId {
    type Error = FieldError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<TenantId> for String {
    fn from(t: TenantId) -> Self {
        t.0
    }
}
