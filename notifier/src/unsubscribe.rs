//! One-click unsubscribe links (RFC 8058): a token that names a contact and a kind of news,
//! signed with the server key [`KEY`] so that nobody can forge one for another person.
//!
//! Token: `base64url(json {t, c, k}) "." base64url(HMAC-SHA256(key, first part))`. It carries
//! the tenant, the contact id and the kind; no address. It does not expire: an old email's link
//! keeps working, and using it twice changes nothing more.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use portal_domain::contact::NewsKind;
use portal_domain::{ContactId, TenantId};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// Name of the signing key in `server_keys`.
pub const KEY: &str = "unsubscribe";
/// The path of the unsubscribe page and its one-click POST (`/unsubscribe/{token}`).
pub const PATH: &str = "/unsubscribe";

/// What an unsubscribe link turns off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsubscribe {
    pub tenant: TenantId,
    pub contact_id: ContactId,
    pub kind: NewsKind,
}

#[derive(Serialize, Deserialize)]
struct Claims {
    t: String,
    c: ContactId,
    k: NewsKind,
}

/// The tag of `data`; `None` only for a key HMAC cannot take (it takes any length).
fn mac(key: &[u8], data: &[u8]) -> Option<Hmac<Sha256>> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).ok()?;
    mac.update(data);
    Some(mac)
}

/// The token of `u` (`None` only for an unusable key).
pub fn sign(key: &[u8], u: &Unsubscribe) -> Option<String> {
    let claims = Claims {
        t: u.tenant.as_str().to_owned(),
        c: u.contact_id,
        k: u.kind,
    };
    let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).ok()?);
    let tag = URL_SAFE_NO_PAD.encode(mac(key, body.as_bytes())?.finalize().into_bytes());
    Some(format!("{body}.{tag}"))
}

/// What a token turns off; `None` for anything not signed with `key`.
pub fn verify(key: &[u8], token: &str) -> Option<Unsubscribe> {
    let (body, tag) = token.split_once('.')?;
    let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
    mac(key, body.as_bytes())?.verify_slice(&tag).ok()?;
    let claims: Claims = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(body).ok()?).ok()?;
    Some(Unsubscribe {
        tenant: TenantId::parse(&claims.t).ok()?,
        contact_id: claims.c,
        kind: claims.k,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use uuid::Uuid;

    fn sample() -> Unsubscribe {
        Unsubscribe {
            tenant: TenantId::parse("acme").unwrap(),
            contact_id: ContactId(Uuid::from_u128(7)),
            kind: NewsKind::ChargeApproval,
        }
    }

    #[test]
    fn a_signed_token_verifies_and_says_what_it_turns_off() {
        let token = sign(b"key one", &sample()).unwrap();
        assert_eq!(verify(b"key one", &token), Some(sample()));
        assert!(
            token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        );
    }

    #[test]
    fn another_key_a_changed_body_or_garbage_does_not() {
        let token = sign(b"key one", &sample()).unwrap();
        assert_eq!(verify(b"key two", &token), None);
        let (body, tag) = token.split_once('.').unwrap();
        let mut other = sample();
        other.contact_id = ContactId(Uuid::from_u128(8));
        let forged_body = sign(b"key two", &other).unwrap();
        let (forged, _) = forged_body.split_once('.').unwrap();
        assert_eq!(verify(b"key one", &format!("{forged}.{tag}")), None);
        assert_eq!(verify(b"key one", body), None);
        assert_eq!(verify(b"key one", "a.b"), None);
        assert_eq!(verify(b"key one", ""), None);
    }
}
