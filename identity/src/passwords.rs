//! Optional passwords: argon2id (the argon2 crate's default Argon2id parameters) as PHC strings
//! in table `credentials`, one per identity. Hashing and verifying run on the blocking pool. A
//! try for an identity without a password verifies against a dummy hash, so the answer takes as
//! long whether or not the email has a password (or exists). Events only ever record that a
//! password was set.

use crate::db::{Db, millis};
use crate::error::IdentityError;
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use portal_domain::{FieldError, UserId};
use rand::RngCore as _;
use sqlx::Row as _;
use std::sync::LazyLock;
use time::OffsetDateTime;

pub const MIN_CHARS: usize = 12;
pub const MAX_CHARS: usize = 1024;
/// The least zxcvbn score accepted: 3 is "safely unguessable" (about 10^8 guesses or more).
pub const MIN_SCORE: zxcvbn::Score = zxcvbn::Score::Three;
/// zxcvbn's work grows with the length: only this many characters are estimated (a longer
/// password is at least as strong as its beginning).
const ESTIMATED_CHARS: usize = 100;

/// The field message for an unacceptable new password: too short, too long, or too easy to
/// guess (zxcvbn's estimate, with its warning and suggestions as the reason). `context` holds
/// what the password must not be built from (the email and its parts).
pub fn validate(field: &str, password: &str, context: &[&str]) -> Result<(), FieldError> {
    let n = password.chars().count();
    if n < MIN_CHARS {
        return Err(FieldError::new(
            field,
            format!("must be at least {MIN_CHARS} characters"),
        ));
    }
    if n > MAX_CHARS {
        return Err(FieldError::new(
            field,
            format!("must be at most {MAX_CHARS} characters"),
        ));
    }
    let estimated: String = password.chars().take(ESTIMATED_CHARS).collect();
    let entropy = zxcvbn::zxcvbn(&estimated, context);
    if entropy.score() >= MIN_SCORE {
        return Ok(());
    }
    Err(FieldError::new(field, weakness(entropy.feedback())))
}

/// "is too easy to guess: <warning> <suggestions>", from zxcvbn's feedback.
fn weakness(feedback: Option<&zxcvbn::feedback::Feedback>) -> String {
    let mut reasons: Vec<String> = Vec::new();
    if let Some(f) = feedback {
        reasons.extend(f.warning().map(|w| w.to_string()));
        reasons.extend(f.suggestions().iter().map(ToString::to_string));
    }
    if reasons.is_empty() {
        reasons.push("Add another word or two. Uncommon words are better.".to_owned());
    }
    format!("is too easy to guess: {}", reasons.join(" "))
}

/// What a new password of `email` must not be built from: the address and its parts.
pub fn context_of(email: &str) -> Vec<&str> {
    let mut out = vec![email];
    if let Some((local, domain)) = email.split_once('@') {
        out.push(local);
        out.extend(domain.split('.').filter(|p| p.len() > 2));
        out.extend(local.split(['.', '_', '-', '+']).filter(|p| p.len() > 2));
    }
    out
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
pub async fn hash(password: String) -> Result<String, IdentityError> {
    tokio::task::spawn_blocking(move || hash_now(&password))
        .await?
        .map_err(|e| IdentityError::Hash(e.to_string()))
}

/// Whether `password` matches `stored`; with no stored hash, verifies against the dummy (same
/// work) and answers false.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, IdentityError> {
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
pub async fn stored(db: &Db, user_id: UserId) -> Result<Option<String>, IdentityError> {
    let stored = sqlx::query("SELECT password_hash FROM credentials WHERE user_id = $1")
        .bind(user_id.to_string())
        .fetch_optional(db.pool())
        .await?
        .map(|r| r.try_get(0))
        .transpose()?;
    Ok(stored)
}

/// Stores (or replaces) the hash of identity `user_id`.
pub async fn store(
    db: &Db,
    user_id: UserId,
    phc: &str,
    now: OffsetDateTime,
) -> Result<(), IdentityError> {
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
        assert!(validate("password", "short", &[]).is_err());
        let long_enough = "plum orbit cactus";
        assert!(validate("password", long_enough, &[]).is_ok());
        let too_long = format!("{long_enough}{}", "x".repeat(1024));
        let e = validate("password", &too_long, &[]).unwrap_err();
        assert!(e.message.contains("at most"), "{e:?}");
    }

    #[test]
    fn weak_passwords_are_refused_with_the_reason() {
        for weak in [
            "password1234",
            "aaaaaaaaaaaa",
            "qwertyuiop12",
            "abcdefghijkl",
        ] {
            let e = validate("password", weak, &[]).unwrap_err();
            assert!(
                e.message.starts_with("is too easy to guess: "),
                "{weak}: {e:?}"
            );
            assert!(
                e.message.len() > "is too easy to guess: ".len() + 10,
                "{e:?}"
            );
        }
        let short = validate("password", "Xk9#", &[]).unwrap_err();
        assert!(short.message.contains("at least 12"), "{short:?}");
    }

    #[test]
    fn the_email_counts_against_the_password() {
        let email = "margaret.hamilton@apollo.example";
        let context = context_of(email);
        assert!(validate("password", "margarethamilton", &context).is_err());
        assert!(validate("password", "plum orbit cactus", &context).is_ok());
    }
}
