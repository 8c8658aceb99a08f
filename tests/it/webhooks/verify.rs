//! Signatures checked by an independent implementation: the `standardwebhooks` package (PyPI)
//! run by python3 (installed by `.ci/run` into the contract test's virtual environment,
//! `PORTAL_SCHEMATHESIS_VENV`, default `~/.cache/portal-schemathesis`). Without it the check
//! prints a skip, unless `PORTAL_TEST_REQUIRE_SERVICES=1`.

use super::receiver::Received;
use portal_testkit::services_required;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};

const SCRIPT: &str = r#"
import json, sys
from standardwebhooks.webhooks import Webhook
secret, cases = json.load(sys.stdin)
wh = Webhook(secret)
for headers, body in cases:
    wh.verify(body, headers)
print("verified", len(cases))
"#;

fn python() -> Option<PathBuf> {
    let venv = std::env::var("PORTAL_SCHEMATHESIS_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(std::env::var("HOME").unwrap_or_default())
                .join(".cache/portal-schemathesis")
        });
    let candidates = [venv.join("bin/python"), PathBuf::from("python3")];
    candidates.into_iter().find(|p| {
        Command::new(p)
            .args(["-c", "import standardwebhooks"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

/// Verifies every request's signature with `secret`; false (after printing why) when the
/// package is missing and services are not required.
pub fn verify_all(secret: &str, requests: &[Received]) -> bool {
    let Some(python) = python() else {
        assert!(
            !services_required(),
            "the Python package standardwebhooks is missing (see .ci/run)"
        );
        eprintln!("skipped: signature check (the Python package standardwebhooks is missing)");
        return false;
    };
    let cases: Vec<_> = requests
        .iter()
        .map(|r| {
            let headers = serde_json::json!({
                "webhook-id": r.header("webhook-id"),
                "webhook-timestamp": r.header("webhook-timestamp"),
                "webhook-signature": r.header("webhook-signature"),
            });
            (headers, r.body.clone())
        })
        .collect();
    let mut child = Command::new(python)
        .args(["-c", SCRIPT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let input = serde_json::to_vec(&(secret, cases)).unwrap();
    child.stdin.take().unwrap().write_all(&input).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "standardwebhooks refused a signature: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    true
}
