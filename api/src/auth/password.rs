//! Optional passwords: argon2id (the argon2 crate's default Argon2id parameters) as PHC strings
//! in table `credentials`, one per identity. Hashing and verifying run on the blocking pool. A
//! try for an identity without a password verifies against a dummy hash, so the answer takes as
//! long whether or not the email has a password (or exists). Events only ever record that a
//! password was set.

use crate::error::AppError;
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use portal_domain::{FieldError, UserId};
use portal_notifier::Db;
use portal_notifier::db::millis;
use rand::RngCore as _;
use sqlx::Row as _;
use std::sync::LazyLock;
use time::OffsetDateTime;

pub const MIN_CHARS: usize = 12;
pub const MAX_CHARS: usize = 1024;

/// The field message for an unacceptable new password.
pub fn validate(field: &str, password: &str) -> Result<(), FieldError> {
    let n = password.chars().count();
    if n < MIN_CHARS {
        Err(FieldError::new(
            field,
            format!("must be at least {MIN_CHARS} characters"),
        ))
    } else if n > MAX_CHARS {
        Err(FieldError::new(
            field,
            format!("must be at most {MAX_CHARS} characters"),
        ))
    } else {
        Ok(())
    }
}

fn hash_now(password: &str) -> Result<String, argon2::password_hash::Error> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt)?;
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

/// The hash verified when there is no real one (computed once, of a random password).
static DUMMY: LazyLock<String> = LazyLock::new(|| {
    let mut pw = [0u8; 24];
    rand::rng().fill_bytes(&mut pw);
    hash_now(&hex::encode(pw)).unwrap_or_default()
});

/// The PHC string of `password`.
pub async fn hash(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || hash_now(&password))
        .await?
        .map_err(|e| AppError::internal(e.to_string()))
}

/// Whether `password` matches `stored`; with no stored hash, verifies against the dummy (same
/// work) and answers false.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, AppError> {
    Ok(tokio::task::spawn_blocking(move || {
        let real = stored.is_some();
        let phc = stored.unwrap_or_else(|| DUMMY.clone());
        let ok = PasswordHash::new(&phc).is_ok_and(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        });
        ok && real
    })
    .await?)
}

/// The stored hash of identity `user_id`.
pub async fn stored(db: &Db, user_id: UserId) -> Result<Option<String>, sqlx::Error> {
    sqlx::query("SELECT password_hash FROM credentials WHERE user_id = $1")
        .bind(user_id.to_string())
        .fetch_optional(db.pool())
        .await?
        .map(|r| r.try_get(0))
        .transpose()
}

/// Stores (or replaces) the hash of identity `user_id`.
pub async fn store(
    db: &Db,
    user_id: UserId,
    phc: &str,
    now: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO credentials (user_id, password_hash, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id) DO UPDATE SET password_hash = excluded.password_hash, \
         updated_at = excluded.updated_at",
    )
    .bind(user_id.to_string())
    .bind(phc)
    .bind(millis(now))
    .execute(db.pool())
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_and_verify() {
        let phc = hash("correct horse battery".into()).await.unwrap();
        assert!(phc.starts_with("$argon2id$"), "{phc}");
        assert!(
            verify("correct horse battery".into(), Some(phc.clone()))
                .await
                .unwrap()
        );
        assert!(
            !verify("wrong horse battery".into(), Some(phc))
                .await
                .unwrap()
        );
        assert!(!verify("anything at all".into(), None).await.unwrap());
    }

    #[test]
    fn lengths() {
        assert!(validate("password", "short").is_err());
        assert!(validate("password", &"x".repeat(12)).is_ok());
        assert!(validate("password", &"x".repeat(1025)).is_err());
    }
}
