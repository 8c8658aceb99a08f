//! Secrets handed to people (login tokens, bearer tokens): 256 random bits, URL-safe base64
//! without padding (43 characters); only their SHA-256 (hex) is ever stored or compared.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore as _;
use sha2::{Digest, Sha256};

/// A fresh secret from the operating system's CSPRNG (through `rand`'s thread generator, which
/// is seeded from it and reseeds itself).
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The stored form of a secret: lowercase hex SHA-256.
pub fn hash_secret(raw: &str) -> String {
    hex::encode(Sha256::digest(raw.trim().as_bytes()))
}

/// Whether `raw` has the shape of a secret from [`new_secret`] (cheap rejection of junk before
/// any query; says nothing about validity).
pub fn looks_like_secret(raw: &str) -> bool {
    let raw = raw.trim();
    raw.len() == 43
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_distinct_and_well_formed() {
        let a = new_secret();
        let b = new_secret();
        assert_ne!(a, b);
        assert!(looks_like_secret(&a), "{a}");
        assert_eq!(hash_secret(&a).len(), 64);
        assert_eq!(hash_secret(&a), hash_secret(&format!(" {a}\n")));
        assert!(!looks_like_secret("short"));
        assert!(!looks_like_secret(&format!("{}!", &a[..42])));
    }
}
