//! The verdicts of a bearer token's scope and grant checks, reused briefly.
//!
//! Checking that a token's scope still holds (read models) and that its grant has not ended
//! (the log: whole streams of the tenant, or of the contact and the customer) costs several
//! statements; an integration sending hundreds of requests a second would pay them on every
//! one. A passed check is therefore trusted for [`RECHECK_AFTER`] per credential. The token's
//! own row is still read on every request, so revoking a token, its expiry and an end of its
//! grant already recorded on the row take effect at once (in every process); an end of the grant
//! in the log (access revoked, portal disabled, staff member removed) takes effect within
//! [`RECHECK_AFTER`] in addition to the projections' lag. Failed checks are never remembered.

use super::session::ScopeRef;
use hashlink::LruCache;
use portal_domain::UserId;
use portal_domain::values::Email;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a passed check is trusted.
pub const RECHECK_AFTER: Duration = Duration::from_secs(1);
/// How many credentials are remembered (a forgotten one is checked again).
const CAPACITY: usize = 1024;

/// Who a token acts as, once its checks passed.
pub type Verdict = (UserId, Email, ScopeRef);

/// Passed checks by credential id. Never locked across an await.
#[derive(Debug)]
pub struct TokenChecks {
    passed: Mutex<LruCache<String, (Instant, Verdict)>>,
}

impl Default for TokenChecks {
    fn default() -> Self {
        Self {
            passed: Mutex::new(LruCache::new(CAPACITY)),
        }
    }
}

impl TokenChecks {
    /// The verdict of a check of `credential` passed less than [`RECHECK_AFTER`] ago.
    pub fn get(&self, credential: &str, now: Instant) -> Option<Verdict> {
        let mut passed = self.passed.lock().ok()?;
        match passed.get(credential) {
            Some((at, verdict)) if now.saturating_duration_since(*at) < RECHECK_AFTER => {
                Some(verdict.clone())
            }
            Some(_) => {
                passed.remove(credential);
                None
            }
            None => None,
        }
    }

    /// Remembers that the checks of `credential` passed at `at`.
    pub fn passed(&self, credential: String, at: Instant, verdict: Verdict) {
        if let Ok(mut passed) = self.passed.lock() {
            passed.insert(credential, (at, verdict));
        }
    }

    /// Forgets `credential` (its grant was found ended, or it was revoked here).
    pub fn forget(&self, credential: &str) {
        if let Ok(mut passed) = self.passed.lock() {
            passed.remove(credential);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use portal_domain::TenantId;

    fn verdict() -> Verdict {
        let email = Email::parse("ann@example.com").unwrap();
        let scope = ScopeRef::Staff {
            tenant: TenantId::parse("acme").unwrap(),
        };
        (UserId::for_email(&email), email, scope)
    }

    #[test]
    fn a_passed_check_is_reused_only_within_the_window() {
        let checks = TokenChecks::default();
        let t0 = Instant::now();
        assert_eq!(checks.get("c1", t0), None);
        checks.passed("c1".into(), t0, verdict());
        assert_eq!(checks.get("c1", t0 + RECHECK_AFTER / 2), Some(verdict()));
        assert_eq!(checks.get("c2", t0), None);
        assert_eq!(checks.get("c1", t0 + RECHECK_AFTER), None);
        // Expired entries are dropped, not revived by an earlier clock.
        assert_eq!(checks.get("c1", t0), None);
        checks.passed("c1".into(), t0, verdict());
        checks.forget("c1");
        assert_eq!(checks.get("c1", t0), None);
    }
}
